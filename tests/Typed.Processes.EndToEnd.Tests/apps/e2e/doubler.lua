local function main()
    local tasks = process.listen("task", { message = true })
    local stop = process.listen("stop")
    local handled = 0
    while true do
        local r = channel.select({ tasks:case_receive(), stop:case_receive() })
        if r.channel == stop then return handled end
        local msg = r.value
        handled = handled + 1
        process.send(msg:from(), "done", msg:payload() * 2)
    end
end
return { main = main }
