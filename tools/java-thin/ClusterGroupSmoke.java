/*
 * The Java thin client's cluster-group API and endpoint discovery against a cluster.
 *
 * Usage: ClusterGroupSmoke <host> <port> [<port> ...]
 *
 * The ports are every node's thin-client port, node 0 first. Each check prints one
 * line, "OK <name>" or "FAIL <name>: <reason>", then "DONE failures=<n>"; the exit
 * status is 0 whatever failed (the test reads the lines).
 *
 * Checks: the nodes of the cluster (ids, consistent ids, order, client flag, version,
 * the clientListenerPort attribute naming each node's port), forServers, forClients,
 * forAttribute on the consistent id, node(id) for every id and for an unknown one,
 * forOldest/forYoungest (client-side, over the node orders), and endpoint discovery:
 * a client given node 0 only, with setClusterDiscoveryEnabled(true), opens a
 * connection to every node (waited for with a generous deadline, ops running).
 */

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.ignite.Ignition;
import org.apache.ignite.client.ClientCache;
import org.apache.ignite.client.ClientClusterGroup;
import org.apache.ignite.client.IgniteClient;
import org.apache.ignite.client.events.ConnectionEventListener;
import org.apache.ignite.client.events.HandshakeSuccessEvent;
import org.apache.ignite.cluster.ClusterNode;
import org.apache.ignite.configuration.ClientConfiguration;

public class ClusterGroupSmoke {
    interface Check {
        void run() throws Exception;
    }

    static int failures;

    static void check(String name, Check body) {
        try {
            body.run();
            System.out.println("OK " + name);
        }
        catch (Throwable e) {
            failures++;
            StringBuilder sb = new StringBuilder();
            for (Throwable t = e; t != null && sb.length() < 2000; t = t.getCause()) {
                if (sb.length() > 0)
                    sb.append(" <- ");
                sb.append(t.getClass().getName()).append(": ").append(t.getMessage());
                if (t.getCause() == t)
                    break;
            }
            System.out.println("FAIL " + name + ": " + sb.toString().replace('\n', ' '));
        }
        System.out.flush();
    }

    static void expect(boolean cond, String what) {
        if (!cond)
            throw new AssertionError(what);
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: ClusterGroupSmoke <host> <port> [<port> ...]");
            System.exit(2);
        }
        String host = args[0];
        List<Integer> ports = new ArrayList<>();
        for (int i = 1; i < args.length; i++)
            ports.add(Integer.parseInt(args[i]));

        ClientConfiguration cfg = new ClientConfiguration()
            .setAddresses(host + ":" + ports.get(0))
            .setTimeout(10_000);
        try (IgniteClient client = Ignition.startClient(cfg)) {
            run(client, ports);
        }
        catch (Throwable e) {
            failures++;
            System.out.println("FAIL connect: " + e);
        }
        discovery(host, ports);
        System.out.println("DONE failures=" + failures);
        System.out.flush();
        System.exit(0);
    }

    static void run(IgniteClient client, List<Integer> ports) {
        int n = ports.size();
        check("nodes", () -> {
            Collection<ClusterNode> nodes = client.cluster().nodes();
            expect(nodes.size() == n, "node count " + nodes.size());
            Set<Integer> seen = new HashSet<>();
            Set<Long> orders = new HashSet<>();
            for (ClusterNode node : nodes) {
                expect(!node.isClient(), "server node " + node.id());
                expect(node.id() != null, "node id");
                Object port = node.attribute("clientListenerPort");
                expect(port instanceof Integer, "clientListenerPort " + port);
                seen.add((Integer)port);
                String cid = String.valueOf(node.consistentId());
                expect(cid.equals(node.attribute("org.apache.ignite.consistent.id")), "consistent id " + cid);
                expect(node.version().major() == 2 && node.version().minor() == 18, "version " + node.version());
                expect(node.addresses().contains("127.0.0.1"), "addresses " + node.addresses());
                orders.add(node.order());
            }
            expect(seen.equals(new HashSet<>(ports)), "ports " + seen);
            expect(orders.size() == n, "orders " + orders);
        });
        check("forServers", () -> expect(client.cluster().forServers().nodes().size() == n, "servers"));
        check("forClients", () -> expect(client.cluster().forClients().nodes().isEmpty(), "clients"));
        check("forAttribute", () -> {
            for (ClusterNode node : client.cluster().nodes()) {
                String cid = String.valueOf(node.consistentId());
                ClientClusterGroup grp = client.cluster().forAttribute("org.apache.ignite.consistent.id", cid);
                Collection<ClusterNode> found = grp.nodes();
                expect(found.size() == 1, cid + ": " + found.size() + " nodes");
                expect(found.iterator().next().id().equals(node.id()), cid + ": another node");
            }
            expect(client.cluster().forAttribute("org.apache.ignite.consistent.id", "no-such-node")
                .nodes().isEmpty(), "no-such-node");
        });
        check("node(id)", () -> {
            for (ClusterNode node : client.cluster().nodes()) {
                ClusterNode same = client.cluster().node(node.id());
                expect(same != null && same.consistentId().equals(node.consistentId()), "node " + node.id());
            }
            expect(client.cluster().node(UUID.randomUUID()) == null, "unknown id");
        });
        check("forOldest/forYoungest", () -> {
            long min = Long.MAX_VALUE;
            long max = Long.MIN_VALUE;
            for (ClusterNode node : client.cluster().nodes()) {
                min = Math.min(min, node.order());
                max = Math.max(max, node.order());
            }
            expect(client.cluster().forOldest().node().order() == min, "oldest");
            expect(client.cluster().forYoungest().node().order() == max, "youngest");
        });
    }

    /** A client given node 0 only finds and connects to every node. */
    static void discovery(String host, List<Integer> ports) {
        Set<Integer> connected = ConcurrentHashMap.newKeySet();
        ClientConfiguration cfg = new ClientConfiguration()
            .setAddresses(host + ":" + ports.get(0))
            .setClusterDiscoveryEnabled(true)
            .setPartitionAwarenessEnabled(true)
            .setTimeout(10_000)
            .setEventListeners(new ConnectionEventListener() {
                @Override public void onHandshakeSuccess(HandshakeSuccessEvent event) {
                    InetSocketAddress remote = event.connectionDescription().remoteAddress();
                    if (remote != null)
                        connected.add(remote.getPort());
                }
            });
        check("cluster discovery", () -> {
            try (IgniteClient client = Ignition.startClient(cfg)) {
                ClientCache<Integer, Integer> cache = client.getOrCreateCache("cluster-group-smoke");
                long deadline = System.currentTimeMillis() + 60_000;
                int i = 0;
                while (!connected.containsAll(ports) && System.currentTimeMillis() < deadline) {
                    cache.put(i % 1000, i);
                    i++;
                    Thread.sleep(20);
                }
                expect(connected.containsAll(ports), "connected to " + new TreeSet<>(connected) + " of " + ports);
            }
        });
    }
}
