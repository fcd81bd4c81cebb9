/*
 * The reference Apache Ignite 2.18.0 node for the embergrid test suite.
 *
 * Run with the Java 17 single-file source launcher (see run.sh, which adds the
 * --add-opens list Ignite needs):
 *
 *   java <opens> -cp 'lib/*' ReferenceNode.java [options]
 *
 * Options:
 *   --nodes N                  server nodes started in this JVM (default 1)
 *   --client-port P            thin-client port of node 0; node i listens on P+i (default 10900)
 *   --discovery-port P         first discovery port; the static IP finder lists 127.0.0.1:P..P+9 (default 47700)
 *   --communication-port P     first communication port (default 47900)
 *   --persistence DIR          native persistence under DIR; the cluster is activated before READY
 *   --auth                     authentication on, default user ignite/ignite (needs persistence:
 *                              without --persistence a temporary one is used and deleted on exit)
 *   --ssl-keystore PATH        TLS on the thin-client port with this key store
 *   --ssl-keystore-password S  (default "123456")
 *   --ssl-keystore-type T      JKS or PKCS12 (default JKS)
 *   --ssl-truststore PATH      trust store; given, client certificates are required
 *   --ssl-truststore-password S (default "123456")
 *   --idle-timeout MS          thin-client idle timeout (ClientConnectorConfiguration.idleTimeout;
 *                              default 0 = off, as Ignite)
 *   --inactive                 leave a persistent cluster as it starts (INACTIVE when new)
 *                              instead of activating it before READY
 *   --verbose                  Ignite's own log on stderr instead of nothing
 *
 * Everything binds to 127.0.0.1: static discovery (never multicast), communication, thin client.
 * Once all nodes run (and the cluster is active unless --inactive), one line goes to stdout:
 *
 *   REFERENCE READY port=10900 ports=10900,10901 nodes=2 node_ids=<uuid>,<uuid> start_ms=900
 *
 * then the process waits until stdin closes (or it is killed) and stops the nodes.
 * Meanwhile it obeys one command per stdin line, answering each with one stdout line:
 *
 *   stop I    stops node I (a clean leave)   -> REFERENCE STOPPED I
 *   start I   starts node I again            -> REFERENCE STARTED I node_id=<uuid>
 * A command that fails answers "REFERENCE FAILED <reason>" (its stack trace on stderr).
 * Failure to start prints "REFERENCE FAILED <reason>" and exits with status 1.
 */

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import org.apache.ignite.Ignite;
import org.apache.ignite.Ignition;
import org.apache.ignite.cluster.ClusterState;
import org.apache.ignite.configuration.ClientConnectorConfiguration;
import org.apache.ignite.configuration.DataRegionConfiguration;
import org.apache.ignite.configuration.DataStorageConfiguration;
import org.apache.ignite.configuration.IgniteConfiguration;
import org.apache.ignite.logger.NullLogger;
import org.apache.ignite.logger.java.JavaLogger;
import org.apache.ignite.spi.communication.tcp.TcpCommunicationSpi;
import org.apache.ignite.spi.discovery.tcp.TcpDiscoverySpi;
import org.apache.ignite.spi.discovery.tcp.ipfinder.vm.TcpDiscoveryVmIpFinder;
import org.apache.ignite.ssl.SslContextFactory;

public class ReferenceNode {
    private static final String HOST = "127.0.0.1";
    private static final long REGION_MAX = 256L * 1024 * 1024;
    private static final long REGION_INITIAL = 32L * 1024 * 1024;

    /** Parsed command line. */
    static final class Options {
        int nodes = 1;
        int clientPort = 10900;
        int discoveryPort = 47700;
        int communicationPort = 47900;
        String persistence;
        boolean auth;
        String keyStore;
        String keyStorePassword = "123456";
        String keyStoreType = "JKS";
        String trustStore;
        String trustStorePassword = "123456";
        long idleTimeout;
        boolean inactive;
        boolean verbose;
    }

    static Options parse(String[] args) {
        Options o = new Options();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--nodes": o.nodes = Integer.parseInt(args[++i]); break;
                case "--client-port": o.clientPort = Integer.parseInt(args[++i]); break;
                case "--discovery-port": o.discoveryPort = Integer.parseInt(args[++i]); break;
                case "--communication-port": o.communicationPort = Integer.parseInt(args[++i]); break;
                case "--persistence": o.persistence = args[++i]; break;
                case "--auth": o.auth = true; break;
                case "--ssl-keystore": o.keyStore = args[++i]; break;
                case "--ssl-keystore-password": o.keyStorePassword = args[++i]; break;
                case "--ssl-keystore-type": o.keyStoreType = args[++i]; break;
                case "--ssl-truststore": o.trustStore = args[++i]; break;
                case "--ssl-truststore-password": o.trustStorePassword = args[++i]; break;
                case "--idle-timeout": o.idleTimeout = Long.parseLong(args[++i]); break;
                case "--inactive": o.inactive = true; break;
                case "--verbose": o.verbose = true; break;
                default: throw new IllegalArgumentException("unknown option " + a);
            }
        }
        if (o.nodes < 1 || o.nodes > 10)
            throw new IllegalArgumentException("--nodes must be 1..10");
        return o;
    }

    static TcpDiscoverySpi discovery(Options o) {
        TcpDiscoveryVmIpFinder finder = new TcpDiscoveryVmIpFinder();
        finder.setAddresses(List.of(HOST + ":" + o.discoveryPort + ".." + (o.discoveryPort + 9)));
        TcpDiscoverySpi spi = new TcpDiscoverySpi();
        spi.setIpFinder(finder);
        spi.setLocalAddress(HOST);
        spi.setLocalPort(o.discoveryPort);
        spi.setLocalPortRange(10);
        return spi;
    }

    static TcpCommunicationSpi communication(Options o) {
        TcpCommunicationSpi spi = new TcpCommunicationSpi();
        spi.setLocalAddress(HOST);
        spi.setLocalPort(o.communicationPort);
        spi.setLocalPortRange(10);
        return spi;
    }

    static ClientConnectorConfiguration clientConnector(Options o, int index) {
        ClientConnectorConfiguration c = new ClientConnectorConfiguration();
        c.setHost(HOST);
        c.setPort(o.clientPort + index);
        c.setPortRange(0);
        c.setThreadPoolSize(4);
        c.setIdleTimeout(o.idleTimeout);
        if (o.keyStore != null) {
            SslContextFactory ssl = new SslContextFactory();
            ssl.setKeyStoreFilePath(o.keyStore);
            ssl.setKeyStorePassword(o.keyStorePassword.toCharArray());
            ssl.setKeyStoreType(o.keyStoreType);
            if (o.trustStore != null) {
                ssl.setTrustStoreFilePath(o.trustStore);
                ssl.setTrustStorePassword(o.trustStorePassword.toCharArray());
                ssl.setTrustStoreType(o.keyStoreType);
            } else {
                ssl.setTrustManagers(SslContextFactory.getDisabledTrustManager());
            }
            c.setSslEnabled(true);
            c.setUseIgniteSslContextFactory(false);
            c.setSslClientAuth(o.trustStore != null);
            c.setSslContextFactory(ssl);
        }
        return c;
    }

    static DataStorageConfiguration storage(Options o, Path persistenceDir) {
        DataRegionConfiguration region = new DataRegionConfiguration();
        region.setName("default");
        region.setInitialSize(REGION_INITIAL);
        region.setMaxSize(REGION_MAX);
        region.setMetricsEnabled(false);
        DataStorageConfiguration ds = new DataStorageConfiguration();
        ds.setDefaultDataRegionConfiguration(region);
        ds.setMetricsEnabled(false);
        if (persistenceDir != null) {
            region.setPersistenceEnabled(true);
            ds.setStoragePath(persistenceDir.resolve("db").toString());
            ds.setWalPath(persistenceDir.resolve("wal").toString());
            ds.setWalArchivePath(persistenceDir.resolve("wal-archive").toString());
            ds.setWalSegmentSize(4 * 1024 * 1024);
            ds.setMaxWalArchiveSize(64L * 1024 * 1024);
        }
        return ds;
    }

    static IgniteConfiguration config(Options o, int index, Path workDir, Path persistenceDir) {
        IgniteConfiguration cfg = new IgniteConfiguration();
        String id = "reference-node-" + index;
        cfg.setIgniteInstanceName(id);
        cfg.setConsistentId(id);
        cfg.setLocalHost(HOST);
        cfg.setWorkDirectory(workDir.toString());
        cfg.setDiscoverySpi(discovery(o));
        cfg.setCommunicationSpi(communication(o));
        cfg.setClientConnectorConfiguration(clientConnector(o, index));
        cfg.setDataStorageConfiguration(storage(o, persistenceDir));
        cfg.setPeerClassLoadingEnabled(false);
        cfg.setMetricsLogFrequency(0);
        cfg.setAuthenticationEnabled(o.auth);
        cfg.setPublicThreadPoolSize(4);
        cfg.setSystemThreadPoolSize(4);
        cfg.setQueryThreadPoolSize(2);
        cfg.setServiceThreadPoolSize(2);
        cfg.setDataStreamerThreadPoolSize(2);
        cfg.setRebalanceThreadPoolSize(1);
        cfg.setStripedPoolSize(4);
        cfg.setGridLogger(o.verbose ? new JavaLogger() : new NullLogger());
        return cfg;
    }

    static void deleteTree(Path root) {
        if (root == null || !Files.exists(root))
            return;
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort: a temporary directory
        }
    }

    /** Obey stop/start commands until the parent closes our stdin. */
    static void serveCommands(Options o, Path workDir, Path persistenceRoot) {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        try {
            String line;
            while ((line = in.readLine()) != null) {
                String[] words = line.trim().split("\\s+");
                if (words.length != 2)
                    continue;
                try {
                    int i = Integer.parseInt(words[1]);
                    if (words[0].equals("stop")) {
                        Ignition.stop("reference-node-" + i, true);
                        System.out.println("REFERENCE STOPPED " + i);
                    } else if (words[0].equals("start")) {
                        Ignite n = Ignition.start(config(o, i, workDir, persistenceRoot));
                        System.out.println("REFERENCE STARTED " + i + " node_id=" + n.cluster().localNode().id());
                    }
                } catch (RuntimeException e) {
                    // answer the command instead of ending the loop: the parent waits for a line
                    System.out.println("REFERENCE FAILED " + String.valueOf(e).replace('\n', ' '));
                    e.printStackTrace();
                }
                System.out.flush();
            }
        } catch (IOException ignored) {
            // parent gone
        }
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("IGNITE_UPDATE_NOTIFIER", "false");
        System.setProperty("IGNITE_NO_ASCII", "true");
        System.setProperty("IGNITE_QUIET", "true");
        System.setProperty("IGNITE_PERFORMANCE_SUGGESTIONS_DISABLED", "true");
        System.setProperty("java.net.preferIPv4Stack", "true");

        Options o = parse(args);
        Path workDir = Files.createTempDirectory("reference-ignite-work-");
        Path persistenceRoot = null;
        Path tempPersistence = null;
        if (o.persistence != null) {
            persistenceRoot = Paths.get(o.persistence).toAbsolutePath();
        } else if (o.auth) {
            tempPersistence = Files.createTempDirectory("reference-ignite-auth-");
            persistenceRoot = tempPersistence;
        }
        long t0 = System.nanoTime();
        List<Ignite> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < o.nodes; i++) {
                nodes.add(Ignition.start(config(o, i, workDir, persistenceRoot)));
            }
            if (persistenceRoot != null && !o.inactive)
                nodes.get(0).cluster().state(ClusterState.ACTIVE);
        } catch (Throwable e) {
            System.out.println("REFERENCE FAILED " + e);
            e.printStackTrace();
            System.out.flush();
            Ignition.stopAll(true);
            deleteTree(workDir);
            deleteTree(tempPersistence);
            System.exit(1);
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("REFERENCE READY port=" + o.clientPort + " ports=" + portList(o)
            + " nodes=" + o.nodes + " node_ids=" + nodeIds(nodes) + " start_ms=" + ms);
        System.out.flush();

        serveCommands(o, workDir, persistenceRoot);
        Ignition.stopAll(true);
        deleteTree(workDir);
        deleteTree(tempPersistence);
        System.exit(0);
    }

    static String nodeIds(List<Ignite> nodes) {
        List<String> ids = new ArrayList<>();
        for (Ignite n : nodes)
            ids.add(n.cluster().localNode().id().toString());
        return String.join(",", ids);
    }

    static String portList(Options o) {
        List<String> ports = new ArrayList<>();
        for (int i = 0; i < o.nodes; i++)
            ports.add(Integer.toString(o.clientPort + i));
        return String.join(",", ports);
    }
}
