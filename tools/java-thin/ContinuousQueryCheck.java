/*
 * The Apache Ignite Java thin client's continuous query (ignite-core 2.18.0,
 * ClientCache.query(ContinuousQuery)) against one thin-client endpoint: the events
 * it hears for a fixed sequence of operations, printed one per line.
 *
 *   javac -cp "tools/reference-ignite/lib/*" -d OUT tools/java-thin/ContinuousQueryCheck.java
 *   java @tools/reference-ignite/jvm-options.txt -cp "tools/reference-ignite/lib/*:OUT" \
 *       ContinuousQueryCheck <host> <port>
 *
 * tests/compat/test_java_thin_continuous.py runs it against embergrid and the reference
 * node and compares the lines. Output, in order:
 *
 *   I <cache> <key>=<value>                  a row of the initial query
 *   E <cache> <TYPE> <key> <old> <new>       an event (null where there is none)
 *   FAIL <what>: <exception text>            something went wrong
 *   DONE
 *
 * Operations on ATOMIC cache "a": put, put again, replace, replace of an absent key,
 * putIfAbsent of a present key, getAndPut, remove, remove of an absent key, removeAll
 * (one entry), clear, clear of one key, clearAll of two keys (none of the three heard),
 * removeAll of one key (heard), an entry created with a 300 ms expiry (the query
 * includes expired events). On TRANSACTIONAL cache "t": a committed transaction
 * writing one key twice and another, a rolled-back one. Each cache ends with key
 * "end", after which its listener has heard everything.
 *
 * Ignite delivers a query's events only from the moment its answer to the subscribing
 * request has been sent; a change made right after subscribing may go unheard there.
 * So each cache first writes key "ready" until its event arrives, and those events are
 * not printed. Cache names carry a random suffix (never printed). Exit status 0
 * whenever DONE was reached.
 */

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import javax.cache.Cache;
import javax.cache.event.CacheEntryEvent;
import javax.cache.event.EventType;
import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.Duration;

import org.apache.ignite.Ignition;
import org.apache.ignite.cache.CacheAtomicityMode;
import org.apache.ignite.cache.query.ContinuousQuery;
import org.apache.ignite.cache.query.QueryCursor;
import org.apache.ignite.cache.query.ScanQuery;
import org.apache.ignite.client.ClientCache;
import org.apache.ignite.client.ClientCacheConfiguration;
import org.apache.ignite.client.ClientTransaction;
import org.apache.ignite.client.IgniteClient;
import org.apache.ignite.configuration.ClientConfiguration;

public class ContinuousQueryCheck {
    private static final long WAIT_MS = 60_000;

    public static void main(String[] args) throws Exception {
        String address = args[0] + ":" + args[1];
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        ClientConfiguration cfg = new ClientConfiguration().setAddresses(address);
        try (IgniteClient client = Ignition.startClient(cfg)) {
            run("a", atomic(client, "cq-a-" + suffix));
            run("t", transactional(client, "cq-t-" + suffix));
        }
        catch (Exception e) {
            System.out.println("FAIL client: " + e);
        }
        System.out.println("DONE");
        System.out.flush();
        System.exit(0);
    }

    /** What a listener heard, in order (its thread adds, the main thread reads). */
    static final class Heard {
        private final List<CacheEntryEvent<?, ?>> events = new ArrayList<>();

        synchronized void add(CacheEntryEvent<?, ?> e) {
            events.add(e);
            notifyAll();
        }

        /** Wait until an event of {@code type} for {@code key} was heard. */
        synchronized void await(Object key, EventType type, long ms) throws Exception {
            long deadline = System.currentTimeMillis() + ms;
            while (events.stream().noneMatch(e -> key.equals(e.getKey()) && e.getEventType() == type)) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0)
                    throw new IllegalStateException("no " + type + " event for key " + key);
                wait(left);
            }
        }

        synchronized List<CacheEntryEvent<?, ?>> all() {
            return new ArrayList<>(events);
        }
    }

    /** A cache and the operations to run on it once listening. */
    interface Scenario {
        ClientCache<Object, Object> cache();
        void run(Heard heard) throws Exception;
    }

    static void run(String tag, Scenario s) {
        ClientCache<Object, Object> cache = s.cache();
        Heard heard = new Heard();
        ContinuousQuery<Object, Object> qry = new ContinuousQuery<>();
        qry.setIncludeExpired(true);
        qry.setInitialQuery(new ScanQuery<>());
        qry.setLocalListener(evts -> evts.forEach(heard::add));
        try (QueryCursor<Cache.Entry<Object, Object>> cur = cache.query(qry)) {
            for (Cache.Entry<Object, Object> e : cur.getAll())
                System.out.println("I " + tag + " " + e.getKey() + "=" + e.getValue());
            awaitReady(cache, heard);
            s.run(heard);
            cache.put("end", "end");
            heard.await("end", EventType.CREATED, WAIT_MS);
            for (CacheEntryEvent<?, ?> e : heard.all()) {
                if ("ready".equals(e.getKey()) || "end".equals(e.getKey()))
                    continue;
                System.out.println("E " + tag + " " + e.getEventType() + " " + e.getKey() + " "
                    + e.getOldValue() + " " + e.getValue());
            }
        }
        catch (Exception e) {
            System.out.println("FAIL " + tag + ": " + e);
        }
    }

    static void awaitReady(ClientCache<Object, Object> cache, Heard heard) throws Exception {
        long deadline = System.currentTimeMillis() + WAIT_MS;
        for (int i = 0; System.currentTimeMillis() < deadline; i++) {
            cache.put("ready", i);
            try {
                heard.await("ready", i == 0 ? EventType.CREATED : EventType.UPDATED, 50);
                return;
            }
            catch (IllegalStateException notYet) {
                // not heard yet: write it again
            }
        }
        throw new IllegalStateException("the query never heard key \"ready\"");
    }

    static Scenario atomic(IgniteClient client, String name) {
        ClientCache<Object, Object> cache = client.getOrCreateCache(name);
        cache.put(100, "before");
        return new Scenario() {
            public ClientCache<Object, Object> cache() { return cache; }

            public void run(Heard heard) throws Exception {
                cache.put(1, "a");
                cache.put(1, "b");
                cache.replace(1, "c");
                cache.replace(2, "never");
                cache.putIfAbsent(1, "never");
                cache.getAndPut(1, "d");
                cache.remove(1);
                cache.remove(1);
                cache.remove(100);
                cache.put(3, "x");
                cache.removeAll();
                cache.put(4, "y");
                cache.clear();
                cache.put(7, "z");
                cache.clear(7);
                cache.put(8, "u");
                cache.put(9, "v");
                cache.clearAll(new HashSet<>(Arrays.asList(8, 9)));
                cache.put(10, "w");
                cache.removeAll(new HashSet<>(Arrays.asList(10)));
                cache.withExpirePolicy(new CreatedExpiryPolicy(new Duration(TimeUnit.MILLISECONDS, 300)))
                    .put(5, "short");
                heard.await(5, EventType.EXPIRED, WAIT_MS);
                cache.put(6, "after expiry");
            }
        };
    }

    static Scenario transactional(IgniteClient client, String name) {
        ClientCache<Object, Object> cache = client.getOrCreateCache(
            new ClientCacheConfiguration().setName(name)
                .setAtomicityMode(CacheAtomicityMode.TRANSACTIONAL));
        return new Scenario() {
            public ClientCache<Object, Object> cache() { return cache; }

            public void run(Heard heard) {
                try (ClientTransaction tx = client.transactions().txStart()) {
                    cache.put(1, "first");
                    cache.put(1, "second");
                    cache.put(2, "other");
                    tx.commit();
                }
                try (ClientTransaction tx = client.transactions().txStart()) {
                    cache.put(3, "rolled back");
                    cache.remove(1);
                    tx.rollback();
                }
                cache.put(1, "outside");
            }
        };
    }
}
