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
import org.apache.ignite.client.ClientTransaction;
import org.apache.ignite.client.IgniteClient;
import org.apache.ignite.cluster.ClusterState;
import org.apache.ignite.configuration.ClientConfiguration;

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
            run(client, sfx, sql, tx);
        }
        catch (Throwable e) {
            System.out.println("FAIL connect: " + describe(e));
        }
        System.out.println("DONE failures=" + failures);
        System.out.flush();
        System.exit(0);
    }

    static void run(IgniteClient client, String sfx, boolean sql, boolean tx) throws Exception {
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
        if (tx) {
            ClientCache<Integer, String> tc = client.getOrCreateCache(new ClientCacheConfiguration()
                .setName("java-tx-" + sfx).setAtomicityMode(CacheAtomicityMode.TRANSACTIONAL));
            check("tx commit", () -> {
                try (ClientTransaction t = client.transactions().txStart()) {
                    tc.put(1, "committed");
                    t.commit();
                }
                expectEq("committed", tc.get(1), "after commit");
            });
            check("tx rollback", () -> {
                try (ClientTransaction t = client.transactions().txStart()) {
                    tc.put(2, "rolled back");
                    t.rollback();
                }
                expectEq(null, tc.get(2), "after rollback");
            });
        }

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
}
