// With `{"hang": true}` prints a line and never completes (runs into its 300 ms limit); otherwise answers at once.
exports.main = function (event, callback) {
  if (event.data && event.data.hang) {
    console.log('hanging on purpose')
    setInterval(() => {}, 1000)
    return
  }
  callback(null, 'quick')
}
