exports.main = function (event, callback) {
  console.log('line one')
  console.error('line two')
  callback(null, 'logged')
}
