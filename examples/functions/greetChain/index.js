// A 知晓云 function calling another through the runtime's global `BaaS` (no require), as on 知晓云 itself.
exports.main = async function greetChain (event) {
  const res = await BaaS.invoke('helloWorld', { name: event.data.name })
  console.log('helloWorld answered', res)
  return { greeting: res.data, via: 'BaaS.invoke' }
}
