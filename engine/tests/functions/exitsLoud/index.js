// Prints a lot (24 KB, under the job record's 32 KiB) and exits mid-job: its last line must still reach the job's log.
exports.main = function (event, callback) {
  const line = '输出'.repeat(500)
  for (let i = 0; i < 8; i++) console.log(line)
  console.log('last line before exit 🚪')
  process.exit(3)
}
