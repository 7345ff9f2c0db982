-- wrk script for the todo-web benchmark (run.py sets the environment and starts wrk).
--
-- run.py logs in and hands its session over (BENCH_COOKIE, BENCH_CSRF). Without one, before
-- the load starts, setup() logs in once, as a browser does: GET /auth/login for the
-- session cookie and the CSRF token, POST the e-mail and password, then GET /tasks for the
-- CSRF token of the logged-in session. Every request then carries that cookie; POSTs also
-- send X-CSRFToken and HX-Request like htmx does. The login goes through curl from Lua, so
-- none of its (deliberately slow, bcrypt) requests are counted in the figures.
--
-- Environment:
--   BENCH_BASE      http://127.0.0.1:PORT
--   BENCH_MODE      get | poll | toggle | create
--   BENCH_PATH      the path to GET (modes get and poll; a poll asks as htmx does)
--   BENCH_EMAIL, BENCH_PASSWORD   the account (empty: no login, for the ceiling app)
--   BENCH_COOKIE, BENCH_CSRF      a logged-in session's Cookie header and CSRF token: no
--                   login of its own
--   BENCH_IDS       file with one task id a line (mode toggle)
--   BENCH_THREADS   wrk's -t, so that threads toggle different tasks
--   BENCH_PACE_MS   when set, each connection waits this long on average after every
--                   answer before its next request: 32 people using the app, rather than
--                   32 clients sending as fast as the server answers

local base = os.getenv("BENCH_BASE")
local mode = os.getenv("BENCH_MODE") or "get"
local path = os.getenv("BENCH_PATH") or "/tasks"
local email = os.getenv("BENCH_EMAIL") or ""
local password = os.getenv("BENCH_PASSWORD") or ""
local ids_file = os.getenv("BENCH_IDS") or ""
local thread_count = tonumber(os.getenv("BENCH_THREADS") or "1")
local pace_ms = tonumber(os.getenv("BENCH_PACE_MS") or "0")
local given_cookie = os.getenv("BENCH_COOKIE") or ""
local given_csrf = os.getenv("BENCH_CSRF") or ""

-- wrk calls delay(), when the script defines it, before each request of a connection.
-- The pause is drawn anew each time (0 to twice the mean), so the connections do not
-- march in step: a fixed pause would have all 32 arrive together, every time.
if pace_ms > 0 then
  function delay()
    return math.random(0, 2 * pace_ms)
  end
end

local function shell_quote(s)
  return "'" .. string.gsub(s, "'", "'\\''") .. "'"
end

local function run(command)
  local pipe = io.popen(command)
  local out = pipe:read("*a")
  pipe:close()
  return out
end

local function urlencode(s)
  return (string.gsub(s, "[^%w%-%._~]", function(c)
    return string.format("%%%02X", string.byte(c))
  end))
end

-- The cookies of a curl cookie jar as one Cookie header value.
local function jar_cookies(jar)
  local pairs_ = {}
  for line in io.lines(jar) do
    line = string.gsub(line, "^#HttpOnly_", "")
    if line ~= "" and string.sub(line, 1, 1) ~= "#" then
      local fields = {}
      for field in string.gmatch(line, "[^\t]+") do
        fields[#fields + 1] = field
      end
      if #fields >= 7 then
        pairs_[#pairs_ + 1] = fields[6] .. "=" .. fields[7]
      end
    end
  end
  return table.concat(pairs_, "; ")
end

local function csrf_of(page)
  return string.match(page, '<meta name="csrf%-token" content="([^"]+)"')
end

local function fail(message)
  io.stderr:write("bench.lua: " .. message .. "\n")
  os.exit(2)
end

local function log_in()
  local jar = os.tmpname()
  local curl = "curl -s --max-time 20 -b " .. jar .. " -c " .. jar .. " "
  local token = csrf_of(run(curl .. shell_quote(base .. "/auth/login")))
  if not token then fail("no CSRF token on /auth/login") end
  local body = "csrf_token=" .. urlencode(token) .. "&email=" .. urlencode(email)
    .. "&password=" .. urlencode(password)
  local status = run(curl .. "-o /dev/null -w '%{http_code}' --data " .. shell_quote(body)
    .. " " .. shell_quote(base .. "/auth/login"))
  if status ~= "302" then fail("login of " .. email .. " answered " .. status) end
  local page = run(curl .. shell_quote(base .. "/tasks"))
  local csrf = csrf_of(page)
  if not csrf then fail("no CSRF token on /tasks after login") end
  local cookie = jar_cookies(jar)
  os.remove(jar)
  return cookie, csrf
end

local session_cookie, session_csrf = nil, nil
local thread_number = 0

function setup(thread)
  if session_cookie == nil then
    if given_cookie ~= "" then
      session_cookie, session_csrf = given_cookie, given_csrf
    elseif email ~= "" then
      session_cookie, session_csrf = log_in()
    else
      session_cookie, session_csrf = "", ""
    end
  end
  thread_number = thread_number + 1
  thread:set("cookie", session_cookie)
  thread:set("csrf", session_csrf)
  thread:set("number", thread_number)
end

local ids = {}
local counter = 0

function init(args)
  math.randomseed(os.time() * 100 + number)
  if mode == "toggle" then
    local position = 0
    for line in io.lines(ids_file) do
      if position % thread_count == number - 1 then ids[#ids + 1] = line end
      position = position + 1
    end
    if #ids == 0 then fail("no task ids in " .. ids_file) end
  end
end

function request()
  counter = counter + 1
  local headers = { ["Cookie"] = cookie }
  if mode == "get" then
    return wrk.format("GET", path, headers)
  end
  headers["HX-Request"] = "true"
  headers["HX-Current-URL"] = base .. "/tasks"
  if mode == "poll" then
    headers["HX-Trigger"] = "live-poll"
    headers["HX-Target"] = "task-list"
    return wrk.format("GET", path, headers)
  end
  headers["X-CSRFToken"] = csrf
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  if mode == "toggle" then
    local id = ids[(counter - 1) % #ids + 1]
    return wrk.format("POST", "/tasks/" .. id .. "/toggle", headers, "")
  end
  local title = "Benchmark task " .. number .. "-" .. counter
  return wrk.format("POST", "/tasks", headers,
    "title=" .. urlencode(title) .. "&priority=medium&status=pending&repeat=none")
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "p50_ms": %.3f, "p90_ms": %.3f, '
      .. '"p99_ms": %.3f, "max_ms": %.3f, "connect_errors": %d, "read_errors": %d, '
      .. '"write_errors": %d, "timeouts": %d, "status_errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50) / 1000,
    latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    e.connect, e.read, e.write, e.timeout, e.status))
end
