// Starts a grandchild in a session of its own (escaping the worker's process group), writes its pid to
// `event.data.pidFile`, then answers or (with `hang`) never answers.
const { spawn } = require('child_process')
const fs = require('fs')
exports.main = async (event) => {
  const child = spawn('sleep', ['300'], { detached: true, stdio: 'ignore' })
  child.unref()
  fs.writeFileSync(event.data.pidFile, String(child.pid))
  if (event.data.hang) await new Promise(() => {})
  return child.pid
}
