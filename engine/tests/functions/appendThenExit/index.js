// Appends a line to `event.data.file`, then ends its own process before answering: each run leaves one line,
// so a test can count how many times the engine ran the job.
const fs = require('fs')
exports.main = function (event) {
  fs.appendFileSync(event.data.file, '运行 🏃 run\n')
  process.exit(4)
}
