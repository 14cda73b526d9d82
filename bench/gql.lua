-- wrk script: POST a GraphQL query with a bearer token.
-- usage: wrk -s gql.lua URL -- TOKEN QUERY
local token, query
function init(args)
  token = args[1]
  query = args[2]
end
function request()
  local body = '{"query":"' .. query:gsub('"', '\\"') .. '"}'
  return wrk.format("POST", "/graphql", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
  }, body)
end
function response(status, headers, body)
  if status ~= 200 or body:find('"errors"') then
    error("bad response " .. status .. ": " .. body:sub(1, 200))
  end
end
