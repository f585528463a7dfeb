// Starts a long-running child process, logs its pid, and never answers (runs into its 500 ms limit).
const { spawn } = require('child_process')
exports.main = function () {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' })
  console.log(`child pid ${child.pid}`)
}
