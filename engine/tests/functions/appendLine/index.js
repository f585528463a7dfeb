// Waits `ms`, then appends `tag` to `file`: each run of a job leaves one line, so a test can count runs.
const fs = require('fs')
exports.main = async (event) => {
  const { file, tag, ms = 0 } = event.data
  await new Promise((resolve) => setTimeout(resolve, ms))
  fs.appendFileSync(file, tag + '\n')
  return tag
}
