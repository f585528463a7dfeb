exports.main = async (event) => {
  console.log('event.data: ', event.data)
  console.warn('小心 ⚠️')
  return event
}
