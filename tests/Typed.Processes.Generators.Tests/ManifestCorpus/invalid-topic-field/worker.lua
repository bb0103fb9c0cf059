return { main = function()
  local inbox = process.inbox()
  local msg = inbox:receive()
  msg:reply(1.5)
end }
