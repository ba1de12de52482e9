// Contender: Express 5 res.download (the `send` package underneath).
import express from 'express'
import { pipeline } from 'node:stream'
import { filesDir, port, payload, smallPayload, payloadStream, cleanup, ready } from './common.js'

const app = express()
app.disable('x-powered-by')

app.get('/files/:name', (req, res, next) => {
  res.download(req.params.name, { root: filesDir }, (err) => { if (err && !res.headersSent) next(err) })
})
app.get('/buf', (req, res) => {
  res.attachment('x.bin').type('application/octet-stream').send(payload)
})
app.get('/buf1k', (req, res) => {
  res.attachment('x.bin').type('application/octet-stream').send(smallPayload)
})
app.get('/stream', (req, res) => {
  res.attachment('x.bin').type('application/octet-stream').set('Content-Length', String(payload.length))
  pipeline(payloadStream(), res, () => {})
})
app.get('/cleanup/:name', (req, res, next) => {
  // res.download's callback runs on finish and on error/abort: Express's idiomatic cleanup hook.
  res.download(req.params.name, { root: filesDir }, (err) => {
    cleanup()
    if (err && !res.headersSent) next(err)
  })
})

app.listen(port, '127.0.0.1', () => ready('express'))
