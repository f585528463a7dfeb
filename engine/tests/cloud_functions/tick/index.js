// Fired by its timer trigger: reports the event and the context it ran with.
const cloud = require('wx-server-sdk')
cloud.init()
exports.main = async (event) => {
  return { event, wxContext: cloud.getWXContext() }
}
