package cli

import (
	"fmt"
	"io"
)

// command is one verb of the tool.
type command struct {
	name string
	args string // argument synopsis for usage
	help string
	// min and max number of arguments (max -1: any), checked before
	// connecting to the daemon.
	min, max int
	// check validates the arguments further before connecting (optional).
	check func(args []string) error
	// local: the command is about the local node only; -n with another
	// node is refused, as CTDB does for pnn.
	local bool
	run   func(e *env, args []string) error

	// noDaemon: the command runs without connecting to ctdbd (version,
	// checktcpport, tickle, and those that work on local files: tstore,
	// tfetch, dumpdbbackup), so it works with no daemon running.
	noDaemon bool

	// replyPNN: without -n, the command does not ask for the local PNN
	// first; its one control's reply carries it (status). Saves a round
	// trip on the command monitoring scripts call most.
	replyPNN bool
}

// commands lists the verbs in the order usage shows them (CTDB's order
// where CTDB has the verb).
var commands = []*command{
	{name: "version", help: "show version of ctdb", max: -1, noDaemon: true, run: runVersion},
	{name: "status", help: "show node status", replyPNN: true, run: runStatus},
	{name: "uptime", help: "show node uptime", run: runUptime},
	{name: "ping", help: "ping a node", run: runPing},
	{name: "runstate", args: "[setup|first_recovery|startup|running]", help: "get/check runstate of a node", max: -1, run: runRunstate},
	{name: "getvar", args: "<name>", help: "get a tunable variable", min: 1, max: 1, run: runGetvar},
	{name: "setvar", args: "<name> <value>", help: "set a tunable variable", min: 2, max: 2, check: checkSetvar, run: runSetvar},
	{name: "listvars", help: "list tunable variables", run: runListvars},
	{name: "ip", args: "[all]", help: "show public ips", max: 1, check: checkIP, run: runIP},
	{name: "ipinfo", args: "<ip>", help: "show public ip details", min: 1, max: 1, check: checkOneIP, run: runIpinfo},
	{name: "ifaces", help: "show interfaces", run: runIfaces},
	{name: "getcapabilities", help: "show node capabilities", run: runGetcapabilities},
	{name: "pnn", help: "show the pnn of the current node", local: true, run: runPNN},
	{name: "setdebug", args: "ERROR|WARNING|NOTICE|INFO|DEBUG", help: "set debug level", min: 1, max: 1, check: checkSetdebug, run: runSetdebug},
	{name: "getdebug", help: "get debug level", run: runGetdebug},
	{name: "getpid", help: "get ctdbd process ID", run: runGetpid},
	{name: "disable", help: "disable a node", run: runDisable},
	{name: "enable", help: "enable a node", run: runEnable},
	{name: "stop", help: "stop a node", run: runStop},
	{name: "continue", help: "continue a stopped node", run: runContinue},
	{name: "ban", args: "<bantime>", help: "ban a node", min: 1, max: 1, check: checkBan, run: runBan},
	{name: "unban", help: "unban a node", run: runUnban},
	{name: "shutdown", help: "shutdown ctdb daemon", run: runShutdown},
	{name: "ipreallocate", help: "run ip reallocation", run: runIpreallocate},
	{name: "gratarp", args: "<ip> <interface>", help: "send a gratuitous arp", min: 2, max: 2, check: checkGratarp, run: runGratarp},
	{name: "reloadnodes", help: "reload the nodes file on all nodes", run: runReloadnodes},
	{name: "listnodes", help: "list nodes in the cluster", run: runListnodes},
	{name: "moveip", args: "<ip> <node>", help: "move an ip address to another node", min: 2, max: 2, check: checkMoveip, local: true, run: runMoveip},
	{name: "addip", args: "<ip/mask> <iface>", help: "add an ip address to a node", min: 2, max: 2, check: checkAddip, run: runAddip},
	{name: "delip", args: "<ip>", help: "delete an ip address from a node", min: 1, max: 1, check: checkOneIP, run: runDelip},
	{name: "leader", help: "show the pnn of the leader", run: runLeader},
	{name: "recmaster", help: "show the pnn of the leader (old name)", run: runLeader},
	{name: "event", args: "run|status|script", help: "event and event script commands", min: 1, max: -1, check: checkEvent, run: runEvent},
	{name: "scriptstatus", args: "[init|setup|startup|monitor|takeip|releaseip|ipreallocated]", help: "show event script status", max: 1, run: runScriptstatus},
	{name: "getreclock", help: "get recovery lock file", run: runGetreclock},
	{name: "nodestatus", args: "[all|<pnn-list>]", help: "show and return node status", max: 1, check: checkNodeListArg, run: runNodestatus},
	{name: "reloadips", args: "[all|<pnn-list>]", help: "reload the public addresses file", max: 1, check: checkNodeListArg, local: true, run: runReloadips},
	{name: "statistics", help: "show ctdb statistics", run: runStatistics},
	{name: "statisticsreset", help: "reset ctdb statistics", run: runStatisticsReset},
	{name: "stats", args: "[<count>]", help: "show rolling statistics", max: 1, run: runStats},
	{name: "setifacelink", args: "<iface> up|down", help: "set interface link status", min: 2, max: 2, check: checkSetifacelink, run: runSetifacelink},
	{name: "process-exists", args: "<pid> [<srvid>]", help: "check if a process exists on a node", min: 1, max: 2, run: runProcessExists},
	{name: "dumpmemory", help: "dump ctdbd memory map", max: -1, run: runDumpmemory},
	{name: "rddumpmemory", help: "dump recoverd memory map", max: -1, run: runRddumpmemory},
	{name: "recover", help: "force recovery", run: runRecover},
	{name: "sync", help: "run ip reallocation (deprecated)", run: runIpreallocate},
	{name: "tickle", args: "<srcip:port> <dstip:port>", help: "send a tcp tickle ack", max: 2, check: checkConnectionArgs("tickle"), noDaemon: true, run: runTickle},
	{name: "gettickles", args: "<ip> [<port>]", help: "get the list of tickles", min: 1, max: 2, check: checkGettickles, run: runGettickles},
	{name: "addtickle", args: "<ip>:<port> <ip>:<port>", help: "add a tickle", max: 2, check: checkConnectionArgs("addtickle"), run: runAddtickle},
	{name: "deltickle", args: "<ip>:<port> <ip>:<port>", help: "delete a tickle", max: 2, check: checkConnectionArgs("deltickle"), run: runDeltickle},
	{name: "setlmasterrole", args: "on|off", help: "set LMASTER role", min: 1, max: 1, check: checkOnOff("setlmasterrole"), run: runSetlmasterrole},
	{name: "setleaderrole", args: "on|off", help: "set LEADER role", min: 1, max: 1, check: checkOnOff("setleaderrole"), run: runSetleaderrole},
	{name: "checktcpport", args: "<port>", help: "check if a service is bound to a specific tcp port or not", min: 1, max: 1, noDaemon: true, run: runChecktcpport},
}

func findCommand(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// checkArgs validates the arguments of c before anything is sent.
func (c *command) checkArgs(args []string) error {
	if len(args) < c.min || (c.max >= 0 && len(args) > c.max) {
		return &usageError{c.name}
	}
	if c.check != nil {
		return c.check(args)
	}
	return nil
}

const usageHead = "Usage: ctdb [<options>] <command> [<args>]\n"

const usageOptions = `
Options:
  -n, --node=PNN            node specification - integer (default: this node)
  -t, --timelimit=SECONDS   time limit of each control (default 10)
  -T, --maxruntime=SECONDS  die if runtime exceeds this limit
                            (default $CTDB_TIMEOUT, else 120)
  -X, -Y                    machine readable output, fields separated by |
  -x, --separator=CHAR      separator for machine readable output
  -v, --verbose             enable verbose output
  -d, --debug=LEVEL         debug level (accepted and ignored)
  -h, --help                show this help
`

func printCommandLine(w io.Writer, c *command) {
	fmt.Fprintf(w, "  %-15s %-27s  %s\n", c.name, c.args, c.help)
}

// printUsage prints the full usage: options and every command.
func printUsage(w io.Writer) {
	fmt.Fprint(w, usageHead)
	fmt.Fprint(w, usageOptions)
	fmt.Fprint(w, "\nCommands:\n")
	for _, c := range commands {
		printCommandLine(w, c)
	}
}

// printCommandUsage prints the usage of one command.
func printCommandUsage(w io.Writer, name string) {
	c := findCommand(name)
	if c == nil {
		printUsage(w)
		return
	}
	fmt.Fprint(w, usageHead)
	fmt.Fprint(w, "\nCommands:\n")
	printCommandLine(w, c)
	if c.name == "event" {
		fmt.Fprint(w, eventUsage)
	}
}
