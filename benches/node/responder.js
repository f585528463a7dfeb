'use strict'
// The minimal responder every client is measured against: answers the invoke with a fixed body over
// keep-alive HTTP/1.1. Runs in its own process so it does not share the clients' event loop; prints its
// port on stdout.
const http = require('node:http')

const BODY = Buffer.from('{"code":0,"data":"hello allen","error":{}}')
const server = http.createServer((req, res) => {
  req.resume()
  req.on('end', () => {
    if (req.method === 'POST' && req.url === '/hserve/v1/cloud-function/job/') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': BODY.length })
      res.end(BODY)
    } else {
      res.writeHead(404, { 'content-type': 'application/json' })
      res.end('{"status":"error","error_msg":"not found"}')
    }
  })
})
server.keepAliveTimeout = 60000
server.listen(0, '127.0.0.1', () => console.log(server.address().port))
