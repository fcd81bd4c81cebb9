/*
 * A smoke run of the Apache Ignite Java thin client (ignite-core 2.18.0,
 * org.apache.ignite.client.IgniteClient) against one thin-client endpoint.
 *
 * Compile it once and run the class (tests/compat/test_java_thin.py does this):
 *
 *   javac -cp "tools/reference-ignite/lib/*" -d OUT tools/java-thin/ThinClientSmoke.java
 *   java @tools/reference-ignite/jvm-options.txt -cp "tools/reference-ignite/lib/*:OUT" \
 *       ThinClientSmoke <host> <port> [--no-sql] [--no-tx]
 *
 * The single-file source launcher (java -cp "tools/reference-ignite/lib/*"
 * tools/java-thin/ThinClientSmoke.java <host> <port>) runs it too, but keeps the
 * classes in a memory class loader that Ignite's binary marshaller cannot see, so
 * there "put/get enum", "pojo put/get" and "pojo as binary" fail client-side with
 * ClassNotFoundException (on any server).
 *
 * One line per check goes to stdout, in a fixed order:
 *
 *   OK <check>                       the check passed
 *   FAIL <check>: <exception text>   it did not; the run goes on with the next check
 *
 * and "DONE" at the end. Cache and table names carry a random suffix (never printed),
 * so the program can run against a server that other tests share. --no-sql skips the
 * SQL checks (for a node without the indexing module); --no-tx skips transactions.
 * The transaction checks open a second client (and briefly a third) to the same
 * address, to see what other clients see and to contend for locks; their server texts
 * are compared once the parts that vary between runs are replaced (txText, the same
 * placeholders as tests/compat/test_diff_tx.py).
 * The exit status is 0 whenever the run reached DONE, so the caller judges the lines.
 * tests/compat/test_java_thin.py runs it against embergrid and the reference node.
 */

import java.math.BigDecimal;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

import javax.cache.Cache;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.Duration;

import org.apache.ignite.Ignition;
import org.apache.ignite.binary.BinaryObject;
import org.apache.ignite.cache.CacheAtomicityMode;
import org.apache.ignite.cache.CacheMode;
import org.apache.ignite.cache.QueryEntity;
import org.apache.ignite.cache.query.FieldsQueryCursor;
import org.apache.ignite.cache.query.QueryCursor;
import org.apache.ignite.cache.query.ScanQuery;
import org.apache.ignite.cache.query.SqlFieldsQuery;
import org.apache.ignite.client.ClientCache;
import org.apache.ignite.client.ClientCacheConfiguration;
import org.apache.ignite.client.ClientException;
import org.apache.ignite.client.ClientTransaction;
import org.apache.ignite.client.IgniteClient;
import org.apache.ignite.cluster.ClusterState;
import org.apache.ignite.configuration.ClientConfiguration;
import org.apache.ignite.internal.client.thin.ClientServerError;

import static org.apache.ignite.transactions.TransactionConcurrency.OPTIMISTIC;
import static org.apache.ignite.transactions.TransactionConcurrency.PESSIMISTIC;
import static org.apache.ignite.transactions.TransactionIsolation.READ_COMMITTED;
import static org.apache.ignite.transactions.TransactionIsolation.REPEATABLE_READ;
import static org.apache.ignite.transactions.TransactionIsolation.SERIALIZABLE;

public class ThinClientSmoke {
    /** A check body; any exception (or a failed expectation) makes it FAIL. */
    interface Check {
        void run() throws Exception;
    }

    /** A plain Java class the client serializes as a binary object. */
    public static class Person {
        String name;
        int age;
        UUID id;
        List<String> tags;

        public Person() {
        }

        Person(String name, int age, UUID id, List<String> tags) {
            this.name = name;
            this.age = age;
            this.id = id;
            this.tags = tags;
        }

        @Override public boolean equals(Object o) {
            if (!(o instanceof Person))
                return false;
            Person p = (Person)o;
            return age == p.age && Objects.equals(name, p.name) && Objects.equals(id, p.id)
                && Objects.equals(tags, p.tags);
        }

        @Override public int hashCode() {
            return Objects.hash(name, age, id, tags);
        }

        @Override public String toString() {
            return "Person(" + name + ", " + age + ", " + id + ", " + tags + ")";
        }
    }

    /** A Java enum (sent with the ENUM type code and its type id). */
    public enum Color { RED, GREEN, BLUE }

    static int failures;

    static void check(String name, Check body) {
        try {
            body.run();
            System.out.println("OK " + name);
        }
        catch (Throwable e) {
            failures++;
            System.out.println("FAIL " + name + ": " + describe(e));
        }
        System.out.flush();
    }

    static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (sb.length() > 0)
                sb.append(" <- ");
            sb.append(t.getClass().getName()).append(": ").append(t.getMessage());
            if (t.getCause() == t)
                break;
        }
        return sb.toString().replace('\n', ' ').replace('\r', ' ');
    }

    static void expect(boolean cond, String what) {
        if (!cond)
            throw new AssertionError(what);
    }

    static void expectEq(Object expected, Object actual, String what) {
        if (!Objects.deepEquals(expected, actual))
            throw new AssertionError(what + ": expected " + show(expected) + ", got " + show(actual)
                + (actual == null ? "" : " (" + actual.getClass().getName() + ")"));
    }

    static String show(Object o) {
        if (o instanceof Object[])
            return Arrays.deepToString((Object[])o);
        if (o instanceof byte[])
            return Arrays.toString((byte[])o);
        if (o instanceof int[])
            return Arrays.toString((int[])o);
        if (o instanceof long[])
            return Arrays.toString((long[])o);
        return String.valueOf(o);
    }

    /** put, get back, compare (deep for arrays) and check the class that came back. */
    static void roundTrip(ClientCache<Object, Object> cache, Object key, Object value) {
        cache.put(key, value);
        Object got = cache.get(key);
        expectEq(value, got, "value of " + key);
        if (value != null)
            expectEq(value.getClass(), got.getClass(), "class of " + key);
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: ThinClientSmoke <host> <port> [--no-sql] [--no-tx]");
            System.exit(2);
        }
        String address = args[0] + ":" + args[1];
        List<String> flags = Arrays.asList(args).subList(2, args.length);
        boolean sql = !flags.contains("--no-sql");
        boolean tx = !flags.contains("--no-tx");
        String sfx = UUID.randomUUID().toString().substring(0, 8);

        ClientConfiguration cfg = new ClientConfiguration()
            .setAddresses(address)
            .setTimeout(10_000);

        try (IgniteClient client = Ignition.startClient(cfg)) {
            System.out.println("OK connect");
            run(client, cfg, sfx, sql, tx);
        }
        catch (Throwable e) {
            System.out.println("FAIL connect: " + describe(e));
        }
        System.out.println("DONE failures=" + failures);
        System.out.flush();
        System.exit(0);
    }

    static void run(IgniteClient client, ClientConfiguration cfg, String sfx, boolean sql, boolean tx)
        throws Exception {
        String plain = "java-plain-" + sfx;
        String configured = "java-configured-" + sfx;
        String byName = "java-by-name-" + sfx;

        // ---- cache management -------------------------------------------------------
        check("createCache name", () -> {
            client.createCache(plain);
            expect(client.cacheNames().contains(plain), "cacheNames lacks " + plain);
        });
        check("createCache existing fails", () -> {
            try {
                client.createCache(plain);
            }
            catch (org.apache.ignite.client.ClientException e) {
                return;
            }
            throw new AssertionError("second createCache succeeded");
        });
        check("getOrCreateCache name", () -> {
            ClientCache<Integer, String> c = client.getOrCreateCache(byName);
            c.put(1, "one");
            ClientCache<Integer, String> again = client.getOrCreateCache(byName);
            expectEq("one", again.get(1), "value seen through the second handle");
        });
        check("createCache configuration", () -> {
            QueryEntity qe = new QueryEntity(Integer.class.getName(), "SmokeRow")
                .setTableName("SMOKE_ROW_" + sfx.toUpperCase())
                .addQueryField("name", String.class.getName(), null)
                .addQueryField("age", Integer.class.getName(), null);
            LinkedHashMap<String, String> fields = new LinkedHashMap<>();
            fields.put("name", String.class.getName());
            fields.put("age", Integer.class.getName());
            qe.setFields(fields);
            ClientCacheConfiguration ccfg = new ClientCacheConfiguration()
                .setName(configured)
                .setCacheMode(CacheMode.PARTITIONED)
                .setAtomicityMode(CacheAtomicityMode.ATOMIC)
                .setBackups(1)
                .setQueryEntities(qe);
            client.createCache(ccfg);
            expect(client.cacheNames().contains(configured), "cacheNames lacks " + configured);
        });
        check("getConfiguration", () -> {
            ClientCacheConfiguration got = client.cache(configured).getConfiguration();
            expectEq(configured, got.getName(), "name");
            expectEq(CacheMode.PARTITIONED, got.getCacheMode(), "cache mode");
            expectEq(1, got.getBackups(), "backups");
            expectEq(1, got.getQueryEntities().length, "query entities");
            QueryEntity qe = got.getQueryEntities()[0];
            expectEq("SmokeRow", qe.getValueType(), "value type");
            expectEq(Integer.class.getName(), qe.getKeyType(), "key type");
            expect(qe.getFields().containsKey("name") && qe.getFields().containsKey("age"),
                "fields " + qe.getFields());
        });
        check("getOrCreateCache configuration", () -> {
            ClientCacheConfiguration ccfg = new ClientCacheConfiguration()
                .setName(configured).setCacheMode(CacheMode.REPLICATED);
            ClientCache<Object, Object> c = client.getOrCreateCache(ccfg);
            // The cache exists: its first configuration stays.
            expectEq(CacheMode.PARTITIONED, c.getConfiguration().getCacheMode(), "cache mode");
        });

        ClientCache<Object, Object> cache = client.cache(plain);

        // ---- value types ------------------------------------------------------------
        check("put/get int", () -> roundTrip(cache, 1, 42));
        check("put/get long", () -> roundTrip(cache, 2L, 1234567890123L));
        check("put/get string", () -> roundTrip(cache, "s", "héllo 世界"));
        check("put/get uuid", () -> roundTrip(cache, UUID.fromString("6f1e5c1a-1d2b-4c3d-8e4f-5a6b7c8d9e0f"),
            UUID.fromString("00112233-4455-6677-8899-aabbccddeeff")));
        check("put/get byte[]", () -> roundTrip(cache, "bytes", new byte[] {1, -2, 3, 127, -128}));
        check("put/get date", () -> roundTrip(cache, "date", new Date(1_700_000_000_123L)));
        check("put/get timestamp", () -> {
            Timestamp ts = new Timestamp(1_700_000_000_123L);
            ts.setNanos(123_456_789);
            roundTrip(cache, "ts", ts);
        });
        check("put/get decimal", () -> {
            roundTrip(cache, "dec", new BigDecimal("-12345678901234567890.0123456789"));
            roundTrip(cache, "dec0", BigDecimal.ZERO);
        });
        check("put/get primitives", () -> {
            roundTrip(cache, "byte", (byte)-7);
            roundTrip(cache, "short", (short)-300);
            roundTrip(cache, "float", 1.5f);
            roundTrip(cache, "double", -2.25);
            roundTrip(cache, "char", 'λ');
            roundTrip(cache, "bool", true);
        });
        check("put/get primitive arrays", () -> {
            roundTrip(cache, "int[]", new int[] {1, -2, 3});
            roundTrip(cache, "long[]", new long[] {Long.MIN_VALUE, 0, Long.MAX_VALUE});
            roundTrip(cache, "double[]", new double[] {0.5, -1});
            roundTrip(cache, "boolean[]", new boolean[] {true, false});
            roundTrip(cache, "char[]", new char[] {'a', 'é'});
        });
        check("put/get object arrays", () -> {
            roundTrip(cache, "String[]", new String[] {"a", null, "c"});
            roundTrip(cache, "UUID[]", new UUID[] {new UUID(1, 2)});
            roundTrip(cache, "Object[]", new Object[] {1, "two", 3L});
        });
        check("put/get collections", () -> {
            roundTrip(cache, "ArrayList", new ArrayList<>(Arrays.asList(1, "two", 3.0)));
            roundTrip(cache, "HashSet", new HashSet<>(Arrays.asList("x", "y")));
            roundTrip(cache, "LinkedHashSet", new LinkedHashSet<>(Arrays.asList(3, 1, 2)));
        });
        check("put/get maps", () -> {
            HashMap<Object, Object> hm = new HashMap<>();
            hm.put("a", 1);
            hm.put(2, "b");
            roundTrip(cache, "HashMap", hm);
            LinkedHashMap<String, Integer> lhm = new LinkedHashMap<>();
            lhm.put("z", 26);
            lhm.put("a", 1);
            roundTrip(cache, "LinkedHashMap", lhm);
        });
        check("put/get nested", () -> {
            Map<String, Object> m = new HashMap<>();
            m.put("list", new ArrayList<>(Arrays.asList(1, 2)));
            m.put("bytes", "x");
            roundTrip(cache, Arrays.asList("composite", 1), m);
        });
        check("put/get enum", () -> roundTrip(cache, "enum", Color.GREEN));
        check("put/get null value rejected", () -> {
            try {
                cache.put("nullv", null);
            }
            catch (NullPointerException e) {
                return;
            }
            throw new AssertionError("put(k, null) was accepted");
        });

        // ---- key-value operations ---------------------------------------------------
        ClientCache<Integer, String> kv = client.getOrCreateCache("java-kv-" + sfx);
        check("putAll/getAll", () -> {
            Map<Integer, String> m = new TreeMap<>();
            for (int i = 0; i < 20; i++)
                m.put(i, "v" + i);
            kv.putAll(m);
            Set<Integer> keys = new TreeSet<>(Arrays.asList(0, 5, 19, 100));
            Map<Integer, String> got = kv.getAll(keys);
            expectEq(new TreeMap<>(Map.of(0, "v0", 5, "v5", 19, "v19")), new TreeMap<>(got), "getAll");
        });
        check("size", () -> expectEq(20, kv.size(), "size"));
        check("containsKey", () -> {
            expect(kv.containsKey(3), "containsKey(3)");
            expect(!kv.containsKey(300), "!containsKey(300)");
            expect(kv.containsKeys(new HashSet<>(Arrays.asList(1, 2))), "containsKeys(1, 2)");
            expect(!kv.containsKeys(new HashSet<>(Arrays.asList(1, 200))), "!containsKeys(1, 200)");
        });
        check("replace", () -> {
            expect(kv.replace(1, "one"), "replace(1)");
            expect(!kv.replace(500, "x"), "!replace(500)");
            expect(!kv.replace(1, "wrong", "uno"), "!replace(1, wrong, uno)");
            expect(kv.replace(1, "one", "uno"), "replace(1, one, uno)");
            expectEq("uno", kv.get(1), "get(1)");
            expectEq("uno", kv.getAndReplace(1, "eins"), "getAndReplace(1)");
            expectEq(null, kv.getAndReplace(501, "x"), "getAndReplace(501)");
        });
        check("getAndPut", () -> {
            expectEq("v2", kv.getAndPut(2, "two"), "getAndPut(2)");
            expectEq(null, kv.getAndPut(200, "new"), "getAndPut(200)");
            expectEq("two", kv.get(2), "get(2)");
        });
        check("putIfAbsent", () -> {
            expect(!kv.putIfAbsent(2, "no"), "!putIfAbsent(2)");
            expect(kv.putIfAbsent(201, "yes"), "putIfAbsent(201)");
            expectEq("v3", kv.getAndPutIfAbsent(3, "no"), "getAndPutIfAbsent(3)");
            expectEq(null, kv.getAndPutIfAbsent(202, "yes"), "getAndPutIfAbsent(202)");
            expectEq("two", kv.get(2), "get(2)");
        });
        check("remove", () -> {
            expect(kv.remove(4), "remove(4)");
            expect(!kv.remove(4), "!remove(4)");
            expect(!kv.remove(5, "wrong"), "!remove(5, wrong)");
            expect(kv.remove(5, "v5"), "remove(5, v5)");
            expectEq("v6", kv.getAndRemove(6), "getAndRemove(6)");
            expectEq(null, kv.getAndRemove(6), "getAndRemove(6) again");
        });
        check("removeAll keys", () -> {
            kv.removeAll(new HashSet<>(Arrays.asList(7, 8, 9)));
            expect(!kv.containsKey(8), "8 still there");
            expectEq(20 + 3 - 3 - 3, kv.size(), "size");
        });
        check("clear key", () -> {
            kv.clear(10);
            kv.clearAll(new HashSet<>(Arrays.asList(11, 12)));
            expect(!kv.containsKey(10) && !kv.containsKey(11), "cleared keys still there");
        });
        check("removeAll", () -> {
            kv.removeAll();
            expectEq(0, kv.size(), "size after removeAll");
        });
        check("clear", () -> {
            kv.put(1, "x");
            kv.clear();
            expectEq(0, kv.size(), "size after clear");
            expectEq(null, kv.get(1), "get after clear");
        });
        check("async put/get", () -> {
            kv.putAsync(77, "async").get(10, TimeUnit.SECONDS);
            expectEq("async", kv.getAsync(77).get(10, TimeUnit.SECONDS), "getAsync");
        });

        // ---- binary objects -----------------------------------------------------------
        ClientCache<Object, Object> bin = client.getOrCreateCache("java-binary-" + sfx);
        check("binary builder put/get", () -> {
            BinaryObject p = client.binary().builder("SmokePerson")
                .setField("name", "Ann")
                .setField("age", 33)
                .setField("scores", new int[] {7, 8})
                .setField("born", new Date(86_400_000L))
                .build();
            bin.put(1, p);
            Object raw = bin.withKeepBinary().get(1);
            expect(raw instanceof BinaryObject, "got " + raw);
            BinaryObject got = (BinaryObject)raw;
            expectEq("SmokePerson", got.type().typeName(), "type name");
            expectEq("Ann", got.field("name"), "name");
            expectEq(33, got.field("age"), "age");
            expectEq(new int[] {7, 8}, got.field("scores"), "scores");
            expectEq(new Date(86_400_000L), got.field("born"), "born");
            expect(got.type().fieldNames().containsAll(Arrays.asList("name", "age", "scores", "born")),
                "field names " + got.type().fieldNames());
            expectEq(p, got, "equals the built object");
        });
        check("binary toBuilder", () -> {
            BinaryObject got = (BinaryObject)bin.withKeepBinary().get(1);
            BinaryObject older = got.toBuilder().setField("age", 34).build();
            bin.withKeepBinary().put(2, older);
            BinaryObject back = (BinaryObject)bin.withKeepBinary().get(2);
            expectEq(34, back.field("age"), "age");
            expectEq("Ann", back.field("name"), "name");
        });
        check("binary type metadata", () -> {
            expectEq("SmokePerson", client.binary().type("SmokePerson").typeName(), "type(name)");
        });
        check("pojo put/get", () -> {
            Person p = new Person("Bob", 41, new UUID(3, 4), Arrays.asList("a", "b"));
            bin.put("bob", p);
            expectEq(p, bin.get("bob"), "pojo");
        });
        check("pojo as binary", () -> {
            BinaryObject got = (BinaryObject)bin.withKeepBinary().get("bob");
            expectEq("Bob", got.field("name"), "name");
            expectEq(41, got.field("age"), "age");
            expectEq(Person.class.getName(), got.type().typeName(), "type name");
            expectEq(new Person("Bob", 41, new UUID(3, 4), Arrays.asList("a", "b")), got.deserialize(),
                "deserialize");
        });
        check("pojo key", () -> {
            Person k = new Person("Key", 1, null, null);
            bin.put(k, "by pojo");
            expectEq("by pojo", bin.get(k), "get by pojo key");
            expect(bin.containsKey(k), "containsKey(pojo)");
        });

        // ---- scan query -------------------------------------------------------------------
        ClientCache<Integer, String> scan = client.getOrCreateCache("java-scan-" + sfx);
        check("scan query", () -> {
            Map<Integer, String> m = new HashMap<>();
            for (int i = 0; i < 25; i++)
                m.put(i, "s" + i);
            scan.putAll(m);
            Map<Integer, String> seen = new TreeMap<>();
            try (QueryCursor<Cache.Entry<Integer, String>> cur =
                     scan.query(new ScanQuery<Integer, String>().setPageSize(4))) {
                for (Cache.Entry<Integer, String> e : cur)
                    seen.put(e.getKey(), e.getValue());
            }
            expectEq(new TreeMap<>(m), seen, "scan result");
        });
        check("scan query getAll", () -> {
            try (QueryCursor<Cache.Entry<Integer, String>> cur =
                     scan.query(new ScanQuery<Integer, String>().setPageSize(7))) {
                expectEq(25, cur.getAll().size(), "rows");
            }
        });
        check("scan query partition", () -> {
            int total = 0;
            for (int part = 0; part < 1024; part++) {
                try (QueryCursor<Cache.Entry<Integer, String>> cur =
                         scan.query(new ScanQuery<Integer, String>().setPartition(part))) {
                    total += cur.getAll().size();
                }
                if (part == 31)
                    break;
            }
            expect(total <= 25, "partition scans saw " + total);
        });
        check("scan query closed early", () -> {
            try (QueryCursor<Cache.Entry<Integer, String>> cur =
                     scan.query(new ScanQuery<Integer, String>().setPageSize(2))) {
                expect(cur.iterator().hasNext(), "empty cursor");
            }
            expectEq(25, scan.size(), "size");
        });

        // ---- SQL ----------------------------------------------------------------------------
        if (sql) {
            String table = "JAVA_SMOKE_" + sfx.toUpperCase();
            ClientCache<Object, Object> sqlCache = client.getOrCreateCache("java-sql-" + sfx);
            check("sql create table", () -> {
                try (FieldsQueryCursor<List<?>> cur = client.query(new SqlFieldsQuery(
                    "CREATE TABLE " + table + " (id INT PRIMARY KEY, name VARCHAR, score DOUBLE)"))) {
                    cur.getAll();
                }
            });
            check("sql insert args", () -> {
                for (int i = 1; i <= 10; i++) {
                    try (FieldsQueryCursor<List<?>> cur = client.query(new SqlFieldsQuery(
                        "INSERT INTO " + table + " (id, name, score) VALUES (?, ?, ?)")
                        .setArgs(i, "n" + i, i * 1.5))) {
                        expectEq(Collections.singletonList(Collections.singletonList(1L)), cur.getAll(),
                            "insert count");
                    }
                }
            });
            check("sql select paged", () -> {
                List<List<?>> rows = new ArrayList<>();
                try (FieldsQueryCursor<List<?>> cur = client.query(new SqlFieldsQuery(
                    "SELECT id, name, score FROM " + table + " WHERE id > ? ORDER BY id")
                    .setArgs(2).setPageSize(3))) {
                    for (List<?> row : cur)
                        rows.add(row);
                    expectEq(3, cur.getColumnsCount(), "columns");
                    expectEq("ID", cur.getFieldName(0), "first column");
                }
                expectEq(8, rows.size(), "rows");
                expectEq(Arrays.asList(3, "n3", 4.5), rows.get(0), "first row");
                expectEq(Arrays.asList(10, "n10", 15.0), rows.get(7), "last row");
            });
            check("sql select through cache", () -> {
                try (FieldsQueryCursor<List<?>> cur = sqlCache.query(new SqlFieldsQuery(
                    "SELECT COUNT(*) FROM " + table).setSchema("PUBLIC"))) {
                    expectEq(Collections.singletonList(Collections.singletonList(10L)), cur.getAll(), "count");
                }
            });
            check("sql update", () -> {
                try (FieldsQueryCursor<List<?>> cur = client.query(new SqlFieldsQuery(
                    "UPDATE " + table + " SET score = score * 2 WHERE id <= ?").setArgs(4))) {
                    expectEq(Collections.singletonList(Collections.singletonList(4L)), cur.getAll(),
                        "update count");
                }
                try (FieldsQueryCursor<List<?>> cur = client.query(new SqlFieldsQuery(
                    "SELECT score FROM " + table + " WHERE id = 4"))) {
                    expectEq(Collections.singletonList(Collections.singletonList(12.0)), cur.getAll(),
                        "updated score");
                }
            });
            check("sql error", () -> {
                try (FieldsQueryCursor<List<?>> cur = client.query(new SqlFieldsQuery(
                    "SELECT nope FROM " + table))) {
                    cur.getAll();
                }
                catch (org.apache.ignite.client.ClientException e) {
                    return;
                }
                throw new AssertionError("bad column accepted");
            });
            check("sql drop table", () -> {
                try (FieldsQueryCursor<List<?>> cur = client.query(new SqlFieldsQuery(
                    "DROP TABLE " + table))) {
                    cur.getAll();
                }
            });
            check("sql query entity table", () -> {
                ClientCache<Integer, BinaryObject> qc = client.cache(configured).withKeepBinary();
                qc.put(1, client.binary().builder("SmokeRow").setField("name", "Ann").setField("age", 33)
                    .build());
                try (FieldsQueryCursor<List<?>> cur = qc.query(new SqlFieldsQuery(
                    "SELECT name, age FROM SMOKE_ROW_" + sfx.toUpperCase() + " WHERE _key = ?").setArgs(1))) {
                    expectEq(Collections.singletonList(Arrays.asList("Ann", 33)), cur.getAll(), "row");
                }
            });
        }

        // ---- expiry -------------------------------------------------------------------------
        check("expiry policy", () -> {
            ClientCache<Integer, String> ec = client.<Integer, String>getOrCreateCache("java-expiry-" + sfx);
            ClientCache<Integer, String> shortLived =
                ec.withExpirePolicy(new CreatedExpiryPolicy(new Duration(TimeUnit.MILLISECONDS, 200)));
            shortLived.put(1, "short");
            ec.put(2, "long");
            expectEq("short", ec.get(1), "before expiry");
            long deadline = System.currentTimeMillis() + 5_000;
            Thread.sleep(250);
            while (ec.get(1) != null && System.currentTimeMillis() < deadline)
                Thread.sleep(50);
            expectEq(null, ec.get(1), "after expiry");
            expectEq("long", ec.get(2), "entry without policy");
        });

        // ---- cluster ----------------------------------------------------------------------
        check("cluster state", () -> expectEq(ClusterState.ACTIVE, client.cluster().state(), "state"));

        // ---- transactions -------------------------------------------------------------------
        if (tx)
            transactions(client, cfg, sfx);

        // ---- clean up -------------------------------------------------------------------
        check("destroyCache", () -> {
            client.destroyCache(plain);
            client.destroyCache(byName);
            expect(!client.cacheNames().contains(plain), "cacheNames still has " + plain);
        });
        check("cacheNames", () -> {
            Collection<String> names = client.cacheNames();
            expect(names.contains(configured) && !names.contains(byName), "cacheNames " + names);
        });
        for (String name : client.cacheNames()) {
            if (name.endsWith(sfx))
                client.destroyCache(name);
        }
    }

    // ---- transactions -------------------------------------------------------------------

    /**
     * The parts of Ignite's transaction texts that vary between runs (and between Ignite and
     * embergrid), with their placeholders: tests/compat/test_diff_tx.py normalizes the same way.
     */
    static final Object[][] TX_VARYING = {
        {Pattern.compile("xid=[0-9a-f]+(?:-[0-9a-f]+)*"), "xid=<xid>"},
        {Pattern.compile("topVer=\\d+"), "topVer=<n>"},
        {Pattern.compile("(?<![A-Za-z])order=\\d+"), "order=<n>"},
        {Pattern.compile("nodeOrder=\\d+"), "nodeOrder=<n>"},
        {Pattern.compile("startTime=-?\\d+"), "startTime=<ms>"},
        {Pattern.compile("duration=-?\\d+"), "duration=<ms>"},
        {Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"), "<uuid>"},
        {Pattern.compile("thread=[\\w-]* ?\\[[^\\]]*\\]"), "thread=<thread>"},
    };

    static final String TIMED_OUT_PREFIX = "Cache transaction timed out: ";

    static final String LOCK_TIMEOUT_PREFIX = "Failed to acquire lock within provided timeout for transaction";

    /** A lock wait's failure names the waiter's state as it was then, which varies from run to run. */
    static final Object[][] TX_RACY = {
        {Pattern.compile("state=[A-Z_]+"), "state=<state>"},
        {Pattern.compile("rollbackOnly=\\w+"), "rollbackOnly=<bool>"},
    };

    static String txText(String text) {
        for (Object[] v : TX_VARYING)
            text = ((Pattern)v[0]).matcher(text).replaceAll((String)v[1]);
        if (text.startsWith(LOCK_TIMEOUT_PREFIX)) {
            for (Object[] v : TX_RACY)
                text = ((Pattern)v[0]).matcher(text).replaceAll((String)v[1]);
        }
        // A timed-out transaction asked about soon after its timeout may still print
        // MARKED_ROLLBACK on Ignite (its rollback in flight; seen under load), later
        // ROLLED_BACK: tests/compat/test_diff_tx.py reads both as ROLLED_BACK too.
        if (text.startsWith(TIMED_OUT_PREFIX))
            text = text.replace("state=MARKED_ROLLBACK,", "state=ROLLED_BACK,");
        return text;
    }

    static final String TX_VERSION = "GridCacheVersion [topVer=<n>, order=<n>, nodeOrder=<n>, dataCenterId=0]";

    /** How Ignite prints a transaction (GridNearTxLocal) in its error texts, normalized by txText. */
    static String txDescription(String concurrency, String isolation, String state, String rollbackOnly,
        long timeout, String label) {
        return "GridNearTxLocal[xid=<xid>, xidVersion=" + TX_VERSION + ", nearXidVersion=" + TX_VERSION
            + ", concurrency=" + concurrency + ", isolation=" + isolation + ", state=" + state
            + ", invalidate=false, rollbackOnly=" + rollbackOnly + ", nodeId=<uuid>, timeout=" + timeout
            + ", startTime=<ms>, duration=<ms>, label=" + label + "]";
    }

    /** Any op, and the commit, of a transaction the server rolled back when its timeout passed. */
    static String txTimedOut(String concurrency, String isolation, long timeout, String label) {
        return TIMED_OUT_PREFIX
            + txDescription(concurrency, isolation, "ROLLED_BACK", "true", timeout, label);
    }

    /** A pessimistic op whose wait for a lock outlived its transaction's timeout. */
    static String txLockTimeout(String concurrency, String isolation, long timeout, String label) {
        return LOCK_TIMEOUT_PREFIX + " [timeout=" + timeout + ", tx="
            + txDescription(concurrency, isolation, "<state>", "<bool>", timeout, label) + "]";
    }

    static final String ATOMIC_IN_TX = "Transaction spans operations on atomic cache (don't use atomic cache "
        + "inside a transaction). Since 2.15.0 atomic operations inside transactions are not allowed by default. "
        + "Since 2.16.0 atomic operations inside transactions are finally forbidden.";

    /**
     * Runs body, which must fail the way the Java client reports a server's refusal: a
     * ClientException (exactly) caused by a ClientServerError with status 1 and, once
     * normalized by txText, the text expected.
     */
    static void expectServerError(Check body, String what, String expected) throws Exception {
        try {
            body.run();
        }
        catch (ClientException e) {
            if (e.getClass() != ClientException.class || !(e.getCause() instanceof ClientServerError))
                throw new AssertionError(what + ": expected ClientException <- ClientServerError, got " + describe(e));
            ClientServerError err = (ClientServerError)e.getCause();
            expectEq(1, err.getCode(), what + ": status");
            expectEq(expected, txText(err.getServerErrorMessage()), what + ": text");
            return;
        }
        throw new AssertionError(what + " succeeded");
    }

    static TreeMap<Integer, String> sorted(Map<Integer, String> m) {
        return new TreeMap<>(m);
    }

    /**
     * Two pessimistic transactions want one key: the holder (of holderClient, on this thread)
     * writes it, the waiter (of waiterClient, on a thread of its own) then getAndPut()s it and
     * must wait until the holder commits; it reads the holder's value, and its own value
     * stays. While it waits, plain reads (of reader, a client with no transaction on this
     * thread) answer at once with the committed value. No timing is asserted beyond
     * "still waiting after 300 ms, done within 10 s of the commit".
     */
    static void lockWait(IgniteClient holderClient, IgniteClient waiterClient, ClientCache<Integer, String> reader,
        String cacheName, int key) throws Exception {
        ClientCache<Integer, String> holderCache = holderClient.cache(cacheName);
        ClientCache<Integer, String> waiterCache = waiterClient.cache(cacheName);
        holderCache.put(key, "zero");
        // What the waiter's getAndPut read (or how the waiter failed).
        AtomicReference<Object> seen = new AtomicReference<>("nothing yet");
        Thread waiter = new Thread(() -> {
            try (ClientTransaction t2 = waiterClient.transactions().txStart(PESSIMISTIC, REPEATABLE_READ)) {
                String prev = waiterCache.getAndPut(key, "second");
                t2.commit();
                seen.set(String.valueOf(prev));
            }
            catch (Throwable e) {
                seen.set(e);
            }
        });
        waiter.setDaemon(true);
        try (ClientTransaction t = holderClient.transactions().txStart(PESSIMISTIC, REPEATABLE_READ)) {
            holderCache.put(key, "first");
            waiter.start();
            waiter.join(300);
            expect(waiter.isAlive(), "the second transaction did not wait: " + show(seen.get()));
            expectEq("zero", reader.get(key), "plain read while the second transaction waits");
            t.commit();
        }
        waiter.join(10_000);
        expect(!waiter.isAlive(), "the second transaction still waits after the commit");
        if (seen.get() instanceof Throwable)
            throw new AssertionError("the second transaction: " + describe((Throwable)seen.get()));
        expectEq("first", seen.get(), "what the second transaction's getAndPut read");
        expectEq("second", reader.get(key), "value after both");
    }

    /**
     * What a Java user does with transactions, as a second client sees it. Each check uses
     * keys of its own in one TRANSACTIONAL cache, and ends every transaction it starts
     * (Ignite makes cache creation and destruction wait while a pessimistic transaction
     * holds locks, so the caches are made first and destroyed after).
     */
    static void transactions(IgniteClient client, ClientConfiguration cfg, String sfx) throws Exception {
        String txName = "java-tx-" + sfx;
        ClientCache<Integer, String> tc = client.getOrCreateCache(new ClientCacheConfiguration()
            .setName(txName).setAtomicityMode(CacheAtomicityMode.TRANSACTIONAL));
        ClientCache<Integer, String> atomic = client.cache("java-kv-" + sfx);

        try (IgniteClient other = Ignition.startClient(cfg)) {
            ClientCache<Integer, String> oc = other.cache(txName);

            check("tx commit", () -> {
                try (ClientTransaction t = client.transactions().txStart()) {
                    tc.put(1, "committed");
                    expectEq("committed", tc.get(1), "read of its own write");
                    try {
                        client.transactions().txStart();
                        throw new AssertionError("a second txStart in the same thread succeeded");
                    }
                    catch (ClientException e) {
                        expectEq("A transaction has already been started by the current thread.", e.getMessage(),
                            "second txStart");
                    }
                    t.commit();
                }
                expectEq("committed", tc.get(1), "after commit");
                expectEq("committed", oc.get(1), "other client after commit");
            });
            check("tx rollback", () -> {
                tc.put(2, "before");
                try (ClientTransaction t = client.transactions().txStart()) {
                    tc.put(2, "rolled back");
                    tc.put(3, "rolled back");
                    expectEq("rolled back", tc.get(2), "read of its own write");
                    t.rollback();
                }
                expectEq("before", tc.get(2), "after rollback");
                expectEq(null, tc.get(3), "new key after rollback");
                try (ClientTransaction t = client.transactions().txStart()) {
                    tc.put(2, "closed");
                    tc.remove(3);
                }
                expectEq("before", oc.get(2), "after close without commit");
            });
            check("tx pessimistic repeatable read", () -> {
                tc.put(4, "old");
                try (ClientTransaction t = client.transactions().txStart(PESSIMISTIC, REPEATABLE_READ)) {
                    expectEq("old", tc.get(4), "first read");
                    tc.put(4, "new");
                    tc.put(5, "five");
                    expectEq("new", tc.get(4), "read of its own write");
                    // Plain reads never wait for a lock and see committed values only.
                    expectEq("old", oc.get(4), "other client before commit");
                    expectEq(null, oc.get(5), "other client before commit, new key");
                    t.commit();
                }
                expectEq("new", oc.get(4), "other client after commit");
                expectEq("five", oc.get(5), "other client after commit, new key");
            });
            check("tx getAll/putAll/removeAll", () -> {
                Set<Integer> keys = new TreeSet<>(Arrays.asList(20, 21, 22, 23, 24, 25));
                tc.putAll(Map.of(20, "a", 21, "b", 22, "c"));
                Map<Integer, String> committed = sorted(Map.of(21, "b", 22, "C", 24, "e"));
                try (ClientTransaction t = client.transactions().txStart(PESSIMISTIC, REPEATABLE_READ)) {
                    tc.putAll(Map.of(22, "C", 23, "d", 24, "e"));
                    expectEq(sorted(Map.of(20, "a", 21, "b", 22, "C", 23, "d", 24, "e")), sorted(tc.getAll(keys)),
                        "getAll after putAll");
                    tc.removeAll(new HashSet<>(Arrays.asList(20, 23)));
                    expectEq(committed, sorted(tc.getAll(keys)), "getAll after removeAll");
                    expectEq(sorted(Map.of(20, "a", 21, "b", 22, "c")), sorted(oc.getAll(keys)),
                        "other client before commit");
                    t.commit();
                }
                expectEq(committed, sorted(oc.getAll(keys)), "other client after commit");
                try (ClientTransaction t = client.transactions().txStart(OPTIMISTIC, REPEATABLE_READ)) {
                    tc.removeAll(new HashSet<>(Arrays.asList(21, 22)));
                    tc.putAll(Map.of(25, "f"));
                    expectEq(sorted(Map.of(24, "e", 25, "f")), sorted(tc.getAll(keys)), "getAll in the second tx");
                    t.rollback();
                }
                expectEq(committed, sorted(tc.getAll(keys)), "after rollback");
            });
            check("tx timeout and label", () -> {
                tc.put(30, "before");
                long timeout = 1_000;
                long started = System.currentTimeMillis();
                try (ClientTransaction t = client.transactions().withLabel("java-long-tx")
                    .txStart(PESSIMISTIC, REPEATABLE_READ, timeout)) {
                    tc.put(30, "in tx");
                    Thread.sleep(Math.max(0, started + timeout - System.currentTimeMillis()));
                    // The server rolls it back when the timeout passes, whether or not a request
                    // comes, and releases its lock: a plain put of the key (waiting, if it
                    // arrives first) then goes through.
                    oc.put(30, "after timeout");
                    String text = txTimedOut("PESSIMISTIC", "REPEATABLE_READ", timeout, "java-long-tx");
                    expectServerError(() -> tc.get(30), "get after the timeout", text);
                    expectServerError(() -> tc.put(30, "late"), "put after the timeout", text);
                    expectServerError(t::commit, "commit after the timeout", text);
                }
                expectEq("after timeout", tc.get(30), "value");
                try (ClientTransaction t = client.transactions().txStart()) {
                    tc.put(31, "next");
                    t.commit();
                }
                expectEq("next", oc.get(31), "a transaction after the timed-out one");
            });
            check("tx optimistic serializable conflict", () -> {
                tc.put(60, "v0");
                tc.put(61, "w0");
                try (ClientTransaction t = client.transactions().txStart(OPTIMISTIC, SERIALIZABLE)) {
                    expectEq("w0", tc.get(61), "read");
                    tc.put(61, "w1");
                    t.commit();
                }
                expectEq("w1", oc.get(61), "nobody else wrote: the commit went through");
                try (ClientTransaction t = client.transactions().txStart(OPTIMISTIC, SERIALIZABLE)) {
                    expectEq("v0", tc.get(60), "read");
                    // Optimistic: no lock before the commit, so this put goes through at once.
                    oc.put(60, "other");
                    tc.put(60, "mine");
                    expectServerError(t::commit, "commit after another client changed a key read",
                        "Failed to prepare transaction, read/write conflict [key=60, keyCls=java.lang.Integer, "
                            + "val=other, valCls=java.lang.String, cache=" + txName + ", thread=<thread>]");
                }
                expectEq("other", tc.get(60), "value after the failed commit");
            });
            check("tx lock wait between clients", () -> lockWait(client, other, oc, txName, 40));
            check("tx lock wait between threads", () -> lockWait(client, client, oc, txName, 41));
            check("tx lock wait timeout", () -> {
                tc.put(42, "zero");
                try (ClientTransaction t = client.transactions().txStart(PESSIMISTIC, REPEATABLE_READ)) {
                    tc.put(42, "held");
                    // The other client's transaction (on this thread too: one per client and thread)
                    // waits for the lock until its own timeout, counted from its start, passes.
                    // 5 s, not less: the put must reach the server before the timeout passes,
                    // or the text is "timed out" instead (seen at load average 20 with 1 s).
                    try (ClientTransaction t2 = other.transactions().withLabel("java-waiter")
                        .txStart(PESSIMISTIC, REPEATABLE_READ, 5_000)) {
                        expectServerError(() -> oc.put(42, "waiter"), "put waiting for the lock",
                            txLockTimeout("PESSIMISTIC", "REPEATABLE_READ", 5_000, "java-waiter"));
                        expectServerError(t2::commit, "commit of the waiter",
                            txTimedOut("PESSIMISTIC", "REPEATABLE_READ", 5_000, "java-waiter"));
                    }
                    t.commit();
                }
                expectEq("held", oc.get(42), "value");
            });
            check("tx client closed rolls back", () -> {
                tc.put(43, "before");
                try (IgniteClient third = Ignition.startClient(cfg)) {
                    ClientCache<Integer, String> thc = third.cache(txName);
                    third.transactions().txStart(PESSIMISTIC, REPEATABLE_READ);
                    thc.put(43, "never committed");
                    thc.put(44, "never committed");
                }
                // The server rolls back the transactions of a closed connection and releases their
                // locks (this transaction waits until it has; its timeout bounds the wait).
                try (ClientTransaction t = client.transactions().txStart(PESSIMISTIC, REPEATABLE_READ, 5_000)) {
                    expectEq("before", tc.getAndPut(43, "after"), "getAndPut of a key the closed client wrote");
                    expectEq(null, tc.get(44), "new key the closed client wrote");
                    t.commit();
                }
                expectEq("after", oc.get(43), "value");
            });
            check("tx isolation levels", () -> {
                tc.put(45, "v0");
                // READ_COMMITTED: reads take no lock (the other client's put does not wait) and a
                // re-read sees the other client's value.
                try (ClientTransaction t = client.transactions().txStart(PESSIMISTIC, READ_COMMITTED)) {
                    expectEq("v0", tc.get(45), "first read, PESSIMISTIC READ_COMMITTED");
                    oc.put(45, "v1");
                    expectEq("v1", tc.get(45), "re-read, PESSIMISTIC READ_COMMITTED");
                    t.commit();
                }
                // OPTIMISTIC REPEATABLE_READ: no lock either, but a re-read gives the first value.
                try (ClientTransaction t = client.transactions().txStart(OPTIMISTIC, REPEATABLE_READ)) {
                    expectEq("v1", tc.get(45), "first read, OPTIMISTIC REPEATABLE_READ");
                    oc.put(45, "v2");
                    expectEq("v1", tc.get(45), "re-read, OPTIMISTIC REPEATABLE_READ");
                    t.commit();
                }
                expectEq("v2", oc.get(45), "value");
            });
            check("tx atomic cache refused", () -> {
                try (ClientTransaction t = client.transactions().txStart()) {
                    expectServerError(() -> atomic.put(50, "x"), "put to an ATOMIC cache", ATOMIC_IN_TX);
                    expectServerError(() -> atomic.get(50), "get from an ATOMIC cache", ATOMIC_IN_TX);
                    tc.put(50, "still usable");
                    t.commit();
                }
                expectEq("still usable", tc.get(50), "TRANSACTIONAL write of that transaction");
                expectEq(null, atomic.get(50), "ATOMIC cache");
            });
        }
    }
}
