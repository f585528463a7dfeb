exports.main = function (event, callback) {
  console.log('about to exit')
  process.exit(3)
}
