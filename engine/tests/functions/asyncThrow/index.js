exports.main = function (event, callback) {
  if (event.data && event.data.ok) return callback(null, 'fine')
  setTimeout(() => { throw new Error('thrown later') }, 1)
}
