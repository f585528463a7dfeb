exports.main = function echo (event, callback) {
  callback(null, { data: event.data === undefined ? 'absent' : event.data, user: event.request.user || null, eventType: event.eventType, jobId: event.jobId, timeLimitInMS: event.timeLimitInMS })
}
