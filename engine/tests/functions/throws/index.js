exports.main = function (event, callback) {
  throw new Error('boom')
}
