// Allocates 16 MB outside the V8 heap every few milliseconds and never answers.
exports.main = function () {
  const kept = []
  setInterval(() => kept.push(Buffer.alloc(16 * 1024 * 1024, 1)), 5)
}
