package dev.strata.jobs.cli;

import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;

/**
 * One bucket on an S3-compatible server (S3Proxy over an in-memory store) in this JVM, on loopback, and the s3a
 * settings that reach it: what the s3a:// tests read and write instead of a real object store.
 */
final class S3Bucket implements AutoCloseable {
    private static final String ACCESS_KEY = "test-access";
    private static final String SECRET_KEY = "test-secret";

    private final String name;
    private final BlobStoreContext store;
    private final S3Proxy proxy;

    S3Bucket(String name) throws Exception {
        this.name = name;
        store = ContextBuilder.newBuilder("transient").credentials("identity", "credential").build(BlobStoreContext.class);
        proxy = S3Proxy.builder().blobStore(store.getBlobStore()).endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY).build();
        proxy.start();
        for (int i = 0; !proxy.getState().equals("STARTED"); i++) {
            if (i > 3000) {
                throw new IllegalStateException("S3Proxy did not start within 30 s: " + proxy.getState());
            }
            Thread.sleep(10);
        }
        store.getBlobStore().createContainerInLocation(null, name);
    }

    /** s3a://BUCKET/KEY. */
    String uri(String key) {
        return "s3a://" + name + "/" + key;
    }

    /** The Hadoop settings that point s3a at this server (path-style, plain HTTP, fixed keys), without the prefix. */
    Map<String, String> hadoopSettings() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("fs.s3a.endpoint", "http://127.0.0.1:" + proxy.getPort());
        s.put("fs.s3a.endpoint.region", "us-east-1");
        s.put("fs.s3a.path.style.access", "true");
        s.put("fs.s3a.connection.ssl.enabled", "false");
        s.put("fs.s3a.access.key", ACCESS_KEY);
        s.put("fs.s3a.secret.key", SECRET_KEY);
        s.put("fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
        return s;
    }

    void put(String key, Path file) throws Exception {
        BlobStore blobs = store.getBlobStore();
        blobs.putBlob(name, blobs.blobBuilder(key).payload(file.toFile()).contentLength(Files.size(file)).build());
    }

    void put(String key, String text) {
        BlobStore blobs = store.getBlobStore();
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        blobs.putBlob(name, blobs.blobBuilder(key).payload(bytes).contentLength(bytes.length).build());
    }

    /** Every regular file directly in {@code dir}, under {@code prefix}/. */
    void putFolder(String prefix, Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                put(prefix + "/" + f.getFileName(), f);
            }
        }
    }

    boolean exists(String key) {
        return store.getBlobStore().blobExists(name, key);
    }

    /** The object's text, or null when there is none. */
    String text(String key) throws Exception {
        byte[] bytes = bytes(key);
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    /** The object's content, or null when there is none. */
    byte[] bytes(String key) throws Exception {
        var blob = store.getBlobStore().getBlob(name, key);
        if (blob == null) {
            return null;
        }
        try (InputStream in = blob.getPayload().openStream()) {
            return in.readAllBytes();
        }
    }

    @Override
    public void close() {
        try {
            proxy.stop();
        } catch (Exception ex) {
            throw new IllegalStateException("S3Proxy did not stop: " + ex.getMessage(), ex);
        } finally {
            store.close();
        }
    }
}
