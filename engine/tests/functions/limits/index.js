// Returns the limits the event carries.
exports.main = async (event) => ({ memoryLimitInMB: event.memoryLimitInMB, timeLimitInMS: event.timeLimitInMS })
