// Returns the worker's environment, to check that no engine secret reaches function code.
exports.main = async () => ({ env: process.env, argv: process.argv })
