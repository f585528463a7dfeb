// Calls templateMessage.send without declaring it in config.json; reports the rejection.
const cloud = require('wx-server-sdk')
cloud.init()
exports.main = async () => {
  try {
    await cloud.openapi.templateMessage.send({ touser: cloud.getWXContext().OPENID, templateId: 'T', formId: 'F' })
    return { sent: true }
  } catch (err) {
    return { errCode: err.errCode, errMsg: err.errMsg, isError: err instanceof Error }
  }
}
