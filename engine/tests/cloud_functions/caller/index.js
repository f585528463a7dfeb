// Calls cloud.callFunction({name: event.name, data: event.data}) and reports its own SOURCE and the answer.
const cloud = require('wx-server-sdk')
cloud.init()
exports.main = async (event) => {
  const own = cloud.getWXContext()
  try {
    const res = await cloud.callFunction({ name: event.name, data: event.data })
    return { own, res }
  } catch (err) {
    return { own, caught: { errCode: err.errCode, errMsg: err.errMsg } }
  }
}
