// Starts a grandchild that sheds everything the engine could tag it by: a session of its own and an empty
// environment (no MINICLOUD_WORKER). `shell`: `setsid env -i sleep 300 &` from a shell that then exits;
// otherwise spawn(..., {detached: true, env: {}}). Writes the grandchild's pid to `event.data.pidFile`, then
// with `hang` never answers, with `exit` ends its own worker, else answers.
const { spawn, execSync } = require('child_process')
const fs = require('fs')
exports.main = async (event) => {
  let pid
  if (event.data.shell) {
    pid = execSync('setsid env -i sleep 300 >/dev/null 2>&1 & echo $!').toString().trim()
  } else {
    const child = spawn('/bin/sleep', ['300'], { detached: true, env: {}, stdio: 'ignore' })
    child.unref()
    pid = String(child.pid)
  }
  fs.writeFileSync(event.data.pidFile, pid)
  if (event.data.hang) await new Promise(() => {})
  if (event.data.exit) {
    setTimeout(() => process.exit(0), 50)
    await new Promise(() => {})
  }
  return Number(pid)
}
