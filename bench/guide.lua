-- wrk script: POST serviceGuide(implCode) without login, a random code from a file per request.
-- usage: wrk -s guide.lua URL -- CODES_FILE
local codes = {}
function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then codes[#codes + 1] = line end
  end
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end
function request()
  local code = codes[math.random(#codes)]
  local body = '{"query":"query($c: String!) { serviceGuide(implCode: $c) { implCode promisedDays base { name kind legalBasis } department { name } materials { name originals copies deferrable } } }","variables":{"c":"' .. code .. '"}}'
  return wrk.format("POST", "/graphql", { ["Content-Type"] = "application/json" }, body)
end
function response(status, headers, body)
  if status ~= 200 or body:find('"errors"') then
    error("bad response " .. status .. ": " .. body:sub(1, 200))
  end
end
