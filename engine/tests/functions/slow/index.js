// With `{"hang": true}` never completes (runs into its 300 ms limit); otherwise answers at once.
exports.main = function (event, callback) {
  if (event.data && event.data.hang) {
    setInterval(() => {}, 1000)
    return
  }
  callback(null, 'quick')
}
