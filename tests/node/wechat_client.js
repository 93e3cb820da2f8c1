#!/usr/bin/env node
// wechat_client.js - an independent WeChat official-account server side:
// builds callback requests the way WeChat's servers do (signature over the
// sorted token, timestamp and nonce; in safe mode the message encrypted and
// signed by the npm package wechat-crypto, WeChat's own algorithm), sends
// them to the gateway and reads its replies (safe mode: msg_signature
// checked and the reply decrypted with wechat-crypto).
//
// Usage: node wechat_client.js URL TOKEN AES_KEY APPID < requests.json
//        node wechat_client.js URL --conf var/gateway/wechat.conf < requests.json
// requests.json: a JSON array of requests; prints a JSON array of results.
// A request: {"kind": "verify" | "message", "aes": bool,
//   message fields: "from", "to", "msg_id", "content", "type" (text),
//   "event", "event_key"; overrides for refusal tests: "timestamp",
//   "nonce", "signature", "msg_signature", "body" (raw body), "appid"
//   (encrypt for another account)}.
// A result: {"status", "body", "elapsed_ms" (the HTTP request's), "reply": {fields} | null,
//   "reply_signature_ok": bool | null, "reply_appid": string | null}.
'use strict';

const crypto = require('crypto');
const WXBizMsgCrypt = require('wechat-crypto');

function sha1(parts) {
  return crypto.createHash('sha1').update(parts.slice().sort().join('')).digest('hex');
}

function cdata(s) {
  return '<![CDATA[' + String(s).split(']]>').join(']]]]><![CDATA[>') + ']]>';
}

// The fields of a flat WeChat XML document (what the gateway writes).
function fields(xml) {
  const out = {};
  const re = /<([A-Za-z]+)>([\s\S]*?)<\/\1>/g;
  const inner = xml.replace(/^\s*<xml>/, '').replace(/<\/xml>\s*$/, '');
  let m;
  while ((m = re.exec(inner)) !== null) {
    let v = m[2];
    if (v.includes('<![CDATA[')) {
      v = v.replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, '$1');
    }
    out[m[1]] = v;
  }
  return out;
}

function messageXml(r) {
  const now = Math.floor(Date.now() / 1000);
  const type = r.type || 'text';
  let x = '<xml><ToUserName>' + cdata(r.to || 'gh_liandong') + '</ToUserName>' +
    '<FromUserName>' + cdata(r.from) + '</FromUserName>' +
    '<CreateTime>' + now + '</CreateTime><MsgType>' + cdata(type) + '</MsgType>';
  if (type === 'event') {
    x += '<Event>' + cdata(r.event) + '</Event>';
    if (r.event_key !== undefined) x += '<EventKey>' + cdata(r.event_key) + '</EventKey>';
  } else {
    x += '<Content>' + cdata(r.content) + '</Content><MsgId>' + r.msg_id + '</MsgId>';
  }
  return x + '</xml>';
}

async function one(base, token, aesKey, appid, r) {
  const wx = new WXBizMsgCrypt(token, aesKey, appid);
  const timestamp = r.timestamp !== undefined ? String(r.timestamp)
    : String(Math.floor(Date.now() / 1000));
  const nonce = r.nonce !== undefined ? String(r.nonce)
    : String(crypto.randomInt(100000000, 999999999));
  const q = new URLSearchParams({ timestamp, nonce });
  q.set('signature', r.signature !== undefined ? r.signature : sha1([token, timestamp, nonce]));
  let method = 'GET';
  let body;
  if (r.kind === 'verify') {
    const echostr = r.echostr || '5837397520285719';
    if (r.aes) { // safe mode as WeCom verifies: echostr encrypted, msg_signature over it
      const enc = wx.encrypt(echostr);
      q.set('echostr', enc);
      q.set('encrypt_type', 'aes');
      q.set('msg_signature', r.msg_signature !== undefined ? r.msg_signature
        : wx.getSignature(timestamp, nonce, enc));
    } else {
      q.set('echostr', echostr);
    }
  } else {
    method = 'POST';
    q.set('openid', r.from || '');
    let xml = r.body !== undefined ? r.body : messageXml(r);
    if (r.aes && r.body === undefined) {
      const enc = (r.appid ? new WXBizMsgCrypt(token, aesKey, r.appid) : wx).encrypt(xml);
      q.set('encrypt_type', 'aes');
      q.set('msg_signature', r.msg_signature !== undefined ? r.msg_signature
        : wx.getSignature(timestamp, nonce, enc));
      xml = '<xml><ToUserName>' + cdata(r.to || 'gh_liandong') + '</ToUserName><Encrypt>' +
        cdata(enc) + '</Encrypt></xml>';
    }
    body = xml;
  }
  const t0 = process.hrtime.bigint();
  const res = await fetch(base + '?' + q.toString(), {
    method,
    body,
    headers: body !== undefined ? { 'Content-Type': 'text/xml' } : {},
  });
  const text = await res.text();
  const elapsedMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const out = { status: res.status, body: text, elapsed_ms: elapsedMs, reply: null,
    reply_signature_ok: null, reply_appid: null };
  if (method === 'POST' && res.status === 200 && text.trim().startsWith('<xml>')) {
    let f = fields(text);
    if (r.aes) {
      out.reply_signature_ok =
        wx.getSignature(f.TimeStamp, f.Nonce, f.Encrypt) === f.MsgSignature;
      const dec = wx.decrypt(f.Encrypt);
      out.reply_appid = dec.id;
      f = fields(dec.message);
    }
    out.reply = f;
  }
  return out;
}

async function main() {
  let [base, token, aesKey, appid] = process.argv.slice(2);
  if (token === '--conf') { // the gateway's settings file (var/gateway/wechat.conf)
    const conf = {};
    for (const line of require('fs').readFileSync(aesKey, 'utf8').split('\n')) {
      const m = /^\s*([a-z_]+)\s*=\s*(\S+)\s*$/.exec(line);
      if (m) conf[m[1]] = m[2];
    }
    [token, aesKey, appid] = [conf.token, conf.encoding_aes_key, conf.appid];
  }
  if (!base || !token || !aesKey || !appid) {
    console.error('usage: node wechat_client.js URL TOKEN AES_KEY APPID < requests.json');
    process.exit(2);
  }
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  const results = [];
  for (const r of JSON.parse(input)) {
    results.push(await one(base, token, aesKey, appid, r));
  }
  process.stdout.write(JSON.stringify(results));
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
