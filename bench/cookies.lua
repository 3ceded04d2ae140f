-- GET a path with a random signed-in user's cookie per request.
-- Usage: wrk -s bench/cookies.lua <url> -- <cookie file> [path file]
local cookies = {}
local paths = {}

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then cookies[#cookies + 1] = line end
  end
  if args[2] then
    for line in io.lines(args[2]) do
      if #line > 0 then paths[#paths + 1] = line end
    end
  end
  math.randomseed(os.time() + (tonumber(tostring({}):sub(8)) or 0))
end

function request()
  local i = math.random(#cookies)
  local path = wrk.path
  if #paths > 0 then path = paths[i] or paths[math.random(#paths)] end
  return wrk.format("GET", path, { ["Cookie"] = cookies[i] })
end
