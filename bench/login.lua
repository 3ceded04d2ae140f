-- POST wrong passwords to /login with a valid CSRF cookie and token.
-- Usage: wrk -s bench/login.lua <url> -- <cookie header> <csrf token>
local cookie, token

function init(args)
  cookie = args[1]
  token = args[2]
end

function request()
  local body = "login=s1u" .. math.random(0, 9999) .. "&password=wrong+password+guess&csrf_token=" .. token
  return wrk.format("POST", "/login", {
    ["Cookie"] = cookie,
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, body)
end
