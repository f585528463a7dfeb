exports.main = function (event, callback) {
  callback('plain failure')
}
