exports.main = function (event, callback) {
  callback(new RangeError('bad input'))
}
