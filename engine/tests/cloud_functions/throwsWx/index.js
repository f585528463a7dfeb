const cloud = require('wx-server-sdk')
cloud.init()
exports.main = async () => {
  throw new Error('boom from throwsWx')
}
