# Ruby's Dalli (Debian's ruby-dalli, binary protocol) against a server whose
# port is the first argument: each check prints one JSON line, which
# test/e2e/dalli-client.test.ts compares with what it expects.
require "dalli"
require "json"

client = Dalli::Client.new("127.0.0.1:#{ARGV.fetch(0)}", socket_timeout: 5, socket_max_failovers: 1)
check = ->(name, value) { puts JSON.generate([name, value]) }

object = { "name" => "litecached", "list" => [1, 2.5, "three", nil], "nested" => { "ok" => true } }
# Dalli 3.0 answers set and cas with the new cas, read in its own byte
# order (memcached's cas 1 comes out as 2^56): only success is compared.
check.("set an object", !!client.set("dalli:object", object))
check.("get the object back", client.get("dalli:object") == object)
check.("get a missing key", client.get("dalli:missing"))

client.set("dalli:a", "first")
client.set("dalli:b", [2, "second"])
check.("get_multi", client.get_multi("dalli:a", "dalli:b", "dalli:missing"))

client.set("dalli:counter", 10)
check.("cas with the current value", !!client.cas("dalli:counter") { |value| value + 5 })
check.("after cas", client.get("dalli:counter"))
check.("cas of a missing key", client.cas("dalli:nothing") { |value| value })

check.("add an existing key", client.add("dalli:a", "again"))
check.("incr with a default", client.incr("dalli:hits", 1, nil, 100))
check.("incr", client.incr("dalli:hits", 7))
check.("decr below zero", client.decr("dalli:hits", 1000))
check.("delete", client.delete("dalli:a"))
check.("get after delete", client.get("dalli:a"))
check.("version", client.version.values)
check.("flush", client.flush.length)
check.("get after flush", client.get("dalli:object"))
client.close
