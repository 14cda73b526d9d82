-- wrk script: case(id) with a bearer token, ids drawn at random from IDS_FILE (one id a line);
-- prints the same line as the peer's lookup.lua, so the two compare line by line.
wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
wrk.headers["authorization"] = "Bearer " .. (os.getenv("TOKEN") or "")
local ids = {}
for line in io.lines(os.getenv("IDS_FILE")) do ids[#ids + 1] = line end
local errors = 0
-- SEQUENTIAL=1 (with one thread): each id once, in order, to warm a cache over every id drawn later
local sequential = os.getenv("SEQUENTIAL") ~= nil
local n = 0
request = function()
  local id
  if sequential then
    id = ids[n % #ids + 1]
    n = n + 1
  else
    id = ids[math.random(1, #ids)]
  end
  return wrk.format(nil, nil, nil,
    '{"query":"{ case(id: \\"' .. id .. '\\") { caseNo status handlingTenant { name } } }"}')
end
response = function(status, headers, body)
  if status ~= 200 or string.find(body, '"errors"') then errors = errors + 1 end
end
done = function(summary, latency, requests)
  io.write(string.format("requests %d  rps %.0f  p50 %.2fms  p99 %.2fms  non-2xx-or-errors %d\n",
    summary.requests, summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, errors))
end
