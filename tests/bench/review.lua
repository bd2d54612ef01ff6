-- review.lua - wrk's request for `make bench` (tests/bench_admission.sh):
-- every request POSTs the file named after wrk's "--" as application/json,
-- the same to nginx and to sign admission.
--   wrk -t T -c C -d D --latency -s review.lua URL -- BODY_FILE
function init(args)
	local f = assert(io.open(args[1], "rb"))
	wrk.method = "POST"
	wrk.body = f:read("*a")
	f:close()
	wrk.headers["Content-Type"] = "application/json"
end
