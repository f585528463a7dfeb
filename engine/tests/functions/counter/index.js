// Module state survives between jobs on a warm worker.
let n = 0
exports.main = async function () {
  n += 1
  return n
}
