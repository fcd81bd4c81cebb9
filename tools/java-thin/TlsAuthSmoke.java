/*
 * The Apache Ignite Java thin client (ignite-core 2.18.0) over TLS with credentials.
 *
 *   java @tools/reference-ignite/jvm-options.txt -cp "tools/reference-ignite/lib/*" \
 *       tools/java-thin/TlsAuthSmoke.java HOST PORT TRUST_STORE KEY_STORE PASSWORD USER USER_PASSWORD
 *
 * TRUST_STORE (PKCS12) holds the CA the server's certificate is checked against;
 * KEY_STORE (PKCS12, or "-" for none) the client's certificate and key; PASSWORD
 * opens both. Connects with the user name and password, puts and gets one value,
 * then connects with a wrong password. One line per step on stdout:
 *
 *   OK <step> <value>      REFUSED <step> <server text>      FAIL <step> <exception>
 *
 * and DONE. tests/compat/test_diff_auth.py runs it against embergrid and the
 * reference node and compares the lines; each is a persistent cluster
 * (authentication needs one) that the user ignite activated first, as an Ignite
 * user must.
 */

import org.apache.ignite.Ignition;
import org.apache.ignite.client.ClientAuthenticationException;
import org.apache.ignite.client.ClientCache;
import org.apache.ignite.client.IgniteClient;
import org.apache.ignite.client.SslMode;
import org.apache.ignite.configuration.ClientConfiguration;

public class TlsAuthSmoke {
    static ClientConfiguration config(String[] a, String password) {
        ClientConfiguration cfg = new ClientConfiguration()
            .setAddresses(a[0] + ":" + a[1])
            .setSslMode(SslMode.REQUIRED)
            .setSslTrustCertificateKeyStorePath(a[2])
            .setSslTrustCertificateKeyStorePassword(a[4])
            .setSslTrustCertificateKeyStoreType("PKCS12")
            .setUserName(a[5])
            .setUserPassword(password)
            .setTimeout(10_000);
        if (!a[3].equals("-")) {
            cfg.setSslClientCertificateKeyStorePath(a[3])
                .setSslClientCertificateKeyStorePassword(a[4])
                .setSslClientCertificateKeyStoreType("PKCS12");
        }
        return cfg;
    }

    static void step(String name, String[] a, String password) {
        try (IgniteClient client = Ignition.startClient(config(a, password))) {
            ClientCache<Integer, String> cache = client.getOrCreateCache("java-tls-auth");
            cache.put(1, "over tls");
            System.out.println("OK " + name + " " + cache.get(1));
        }
        catch (ClientAuthenticationException e) {
            System.out.println("REFUSED " + name + " " + e.getMessage());
        }
        catch (Exception e) {
            System.out.println("FAIL " + name + " " + e.getClass().getSimpleName());
        }
    }

    public static void main(String[] a) {
        step("right", a, a[6]);
        step("wrong", a, a[6] + "x");
        System.out.println("DONE");
    }
}
