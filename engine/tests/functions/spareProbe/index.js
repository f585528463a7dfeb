// Reports how long its worker has been up, where it runs (its directory and the runner's directory argument)
// and the env its config.json gives it: a worker that was started as the engine's spare has been up since the
// engine started.
exports.main = async () => ({
  uptime: process.uptime(),
  cwd: process.cwd(),
  dirArgument: process.argv[3],
  greeting: process.env.GREETING || null,
})
