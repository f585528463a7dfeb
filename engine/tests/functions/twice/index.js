exports.main = function (event, callback) {
  callback(null, 'first')
  callback(null, 'second')
  return Promise.resolve('third')
}
