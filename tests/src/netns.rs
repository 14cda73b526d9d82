//! Hosts on a private network (Linux network namespaces on one bridge), so that a test crosses a
//! real interface and can cut a host's link for a real outage. Needs root and iproute2.
//!
//! Layout, with `x` a free third octet of 10.213.x.0/24:
//! a bridge in its own namespace; host `i` in its namespace at 10.213.x.(10 + i), joined to the
//! bridge by a veth pair; the test process's (root) namespace joined too, at 10.213.x.1, so it
//! reaches every host. Everything is removed on drop, also when the test panics. Names carry the
//! test process's id, so that what a killed run left behind is removed by the next run.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

/// Every namespace and interface made here starts with this.
const PREFIX: &str = "tbn";

static SEQ: AtomicU32 = AtomicU32::new(0);

/// One host: a network namespace with one address.
pub struct Host {
    /// The namespace's name (`ip netns exec NAME …`).
    pub ns: String,
    /// Its address on the private network.
    pub addr: String,
    /// The bridge side of its veth pair: down is the host's link cut.
    port: String,
}

/// The private network; removed when dropped.
pub struct Net {
    ip: PathBuf,
    bridge_ns: String,
    root_if: String,
    hosts: Vec<Host>,
}

/// `ip` of iproute2, also where the test's PATH lacks the sbin directories.
fn find_ip() -> Option<PathBuf> {
    let path = std::env::var("PATH").unwrap_or_default();
    path.split(':')
        .chain(["/usr/sbin", "/sbin", "/usr/bin", "/bin"])
        .map(|d| Path::new(d).join("ip"))
        .find(|p| p.is_file())
}

/// Whether this process runs as root (effective uid 0).
fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|s| {
        s.lines()
            .find(|l| l.starts_with("Uid:"))
            .and_then(|l| l.split_whitespace().nth(2))
            .is_some_and(|euid| euid == "0")
    })
}

/// Runs `ip ARGS`; the error names the command and what it said.
fn run(ip: &Path, args: &[&str]) -> Result<(), String> {
    let out = Command::new(ip).args(args).output().map_err(|e| format!("ip {}: {e}", args.join(" ")))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("ip {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim()))
    }
}

fn output(ip: &Path, args: &[&str]) -> String {
    Command::new(ip).args(args).output().map(|o| String::from_utf8_lossy(&o.stdout).into_owned()).unwrap_or_default()
}

/// Removes the namespaces of earlier runs whose test process is gone (a killed test drops
/// nothing), with the servers it had started in them.
fn remove_stale(ip: &Path) {
    for line in output(ip, &["netns", "list"]).lines() {
        let Some(name) = line.split_whitespace().next() else { continue };
        let Some(rest) = name.strip_prefix(PREFIX) else { continue };
        let pid: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if !pid.is_empty() && !Path::new(&format!("/proc/{pid}")).exists() {
            for left in output(ip, &["netns", "pids", name]).split_whitespace() {
                let _ = Command::new("kill").args(["-KILL", left]).output();
            }
            let _ = run(ip, &["netns", "del", name]);
        }
    }
}

/// A third octet for 10.213.x.0/24 that no interface here uses yet.
fn free_octet(ip: &Path, seed: u32) -> Option<u8> {
    let used = output(ip, &["-4", "-o", "addr", "show"]) + &output(ip, &["-4", "route", "show"]);
    (0..254u32).map(|k| ((seed + k) % 254 + 1) as u8).find(|x| !used.contains(&format!("10.213.{x}.")))
}

impl Net {
    /// `hosts` hosts on a new private network, or why this machine cannot have one (not root,
    /// no iproute2, no network namespaces): the caller then skips its test.
    pub fn create(hosts: usize) -> Result<Net, String> {
        if !is_root() {
            return Err("network namespaces need root".into());
        }
        let ip = find_ip().ok_or("iproute2 (ip) is not installed")?;
        remove_stale(&ip);
        let seq = SEQ.fetch_add(1, Ordering::Relaxed);
        // tbn + pid (at most 7 digits) + a letter: interface names with two more stay within 15.
        let id = format!("{PREFIX}{}{}", std::process::id(), char::from(b'a' + (seq % 26) as u8));
        let octet = free_octet(&ip, std::process::id().wrapping_mul(7).wrapping_add(seq))
            .ok_or("no free 10.213.x.0/24 network")?;
        let net_prefix = format!("10.213.{octet}");
        let mut net =
            Net { ip: ip.clone(), bridge_ns: format!("{id}-br"), root_if: format!("{id}r0"), hosts: Vec::new() };
        run(&ip, &["netns", "add", &net.bridge_ns])?;
        let br = net.bridge_ns.clone();
        run(&ip, &["-n", &br, "link", "add", "br0", "type", "bridge"])?;
        run(&ip, &["-n", &br, "link", "set", "br0", "up"])?;
        // The root namespace's leg, for the test process.
        let (root_if, root_port) = (net.root_if.clone(), format!("{id}r1"));
        net.join(&root_if, &root_port)?;
        run(&ip, &["addr", "add", &format!("{net_prefix}.1/24"), "dev", &root_if])?;
        run(&ip, &["link", "set", &root_if, "up"])?;
        for i in 0..hosts {
            let ns = format!("{id}-h{i}");
            run(&ip, &["netns", "add", &ns])?;
            let host = Host { ns: ns.clone(), addr: format!("{net_prefix}.{}", 10 + i), port: format!("{id}{i}1") };
            let inner = format!("{id}{i}0");
            let port = host.port.clone();
            let addr = format!("{}/24", host.addr);
            net.hosts.push(host);
            net.join(&inner, &port)?;
            run(&ip, &["link", "set", &inner, "netns", &ns])?;
            run(&ip, &["-n", &ns, "addr", "add", &addr, "dev", &inner])?;
            run(&ip, &["-n", &ns, "link", "set", &inner, "up"])?;
            run(&ip, &["-n", &ns, "link", "set", "lo", "up"])?;
        }
        Ok(net)
    }

    /// A veth pair `outer`–`port` with `port` on the bridge.
    fn join(&self, outer: &str, port: &str) -> Result<(), String> {
        let (ip, br) = (&self.ip, self.bridge_ns.as_str());
        run(ip, &["link", "add", outer, "type", "veth", "peer", "name", port])?;
        run(ip, &["link", "set", port, "netns", br])?;
        run(ip, &["-n", br, "link", "set", port, "master", "br0"])?;
        run(ip, &["-n", br, "link", "set", port, "up"])
    }

    pub fn host(&self, i: usize) -> &Host {
        &self.hosts[i]
    }

    /// `ip`, to run a command in a host's namespace (`ip netns exec NS …`).
    pub fn ip(&self) -> &Path {
        &self.ip
    }

    /// Cuts host `i`'s link (its bridge port goes down): nothing reaches it and nothing leaves it.
    pub fn cut(&self, i: usize) {
        let r = run(&self.ip, &["-n", &self.bridge_ns, "link", "set", &self.hosts[i].port, "down"]);
        r.unwrap_or_else(|e| panic!("cut the link: {e}"));
    }

    /// Restores host `i`'s link.
    pub fn restore(&self, i: usize) {
        let r = run(&self.ip, &["-n", &self.bridge_ns, "link", "set", &self.hosts[i].port, "up"]);
        r.unwrap_or_else(|e| panic!("restore the link: {e}"));
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        // The root leg first (a namespace goes away asynchronously, its veth peers with it).
        let _ = run(&self.ip, &["link", "del", &self.root_if]);
        for h in &self.hosts {
            let _ = run(&self.ip, &["netns", "del", &h.ns]);
        }
        let _ = run(&self.ip, &["netns", "del", &self.bridge_ns]);
    }
}

/// `url` (a PostgreSQL URL on this machine's loopback) through PostgreSQL's unix socket instead:
/// inside a network namespace 127.0.0.1 is the namespace's own. None when there is no socket.
pub fn postgres_over_socket(url: &str) -> Option<String> {
    let mut u = reqwest::Url::parse(url).ok()?;
    let port = u.port().unwrap_or(5432);
    let dir = ["/var/run/postgresql", "/run/postgresql", "/tmp"]
        .into_iter()
        .find(|d| Path::new(&format!("{d}/.s.PGSQL.{port}")).exists())?;
    let kept: Vec<(String, String)> =
        u.query_pairs().filter(|(k, _)| k != "host").map(|(k, v)| (k.into(), v.into())).collect();
    u.query_pairs_mut().clear().extend_pairs(kept).append_pair("host", dir);
    Some(u.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// This process's namespaces and root-namespace interfaces.
    fn ours(ip: &Path) -> (Vec<String>, Vec<String>) {
        let mine = format!("{PREFIX}{}", std::process::id());
        let first = |text: String, nth: usize| -> Vec<String> {
            text.lines()
                .filter_map(|l| l.split_whitespace().nth(nth))
                .filter(|w| w.starts_with(&mine))
                .map(str::to_owned)
                .collect()
        };
        (first(output(ip, &["netns", "list"]), 0), first(output(ip, &["-o", "link", "show"]), 1))
    }

    #[test]
    fn the_network_is_removed_also_when_its_test_panics() {
        let net = match Net::create(2) {
            Ok(net) => net,
            Err(why) => {
                eprintln!("skipped: {why}");
                return;
            }
        };
        let ip = net.ip().to_owned();
        assert_ne!(net.host(0).addr, net.host(1).addr);
        let (namespaces, links) = ours(&ip);
        assert_eq!((namespaces.len(), links.len()), (3, 1), "{namespaces:?} {links:?}");
        net.cut(1);
        net.restore(1);
        let panicked = std::panic::catch_unwind(move || {
            let _net = net;
            panic!("a failing test");
        });
        assert!(panicked.is_err());
        assert_eq!(ours(&ip), (Vec::new(), Vec::new()));
    }
}
