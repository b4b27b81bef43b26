# Ruby's Dalli with a username and password (SASL PLAIN on the binary
# protocol) against a server whose port, user and password are the
# arguments: each check prints one JSON line, which
# test/e2e/sasl-auth.test.ts compares with what it expects.
require "dalli"
require "json"
require "logger"

# Dalli logs each authentication on stdout, where the checks go.
Dalli.logger = Logger.new($stderr, level: Logger::WARN)

port, user, password = ARGV
check = ->(name, value) { puts JSON.generate([name, value]) }
options = { socket_timeout: 5, socket_max_failovers: 1, down_retry_delay: 0 }

client = Dalli::Client.new("127.0.0.1:#{port}", options.merge(username: user, password: password))
check.("set with the right password", !!client.set("dalli:sasl", "secret value"))
check.("get with the right password", client.get("dalli:sasl"))

wrong = Dalli::Client.new("127.0.0.1:#{port}", options.merge(username: user, password: "wrong"))
begin
  wrong.get("dalli:sasl")
  check.("get with a wrong password", "answered")
rescue Dalli::DalliError => error
  check.("get with a wrong password", [error.class.name, error.message])
end
