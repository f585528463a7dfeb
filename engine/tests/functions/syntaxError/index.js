exports.main = function (event, callback) {
  callback(null, 'never' +)
}
