/* SPDX-License-Identifier: Apache-2.0 */
/* A TLS client for the tests of `hostpin ps`, linked statically against
 * OpenSSL: it carries its own libssl, so hostpin cannot be in it.
 * usage: static_client PORT CAFILE NAME SECONDS -- connect to
 * 127.0.0.1:PORT, verify NAME against CAFILE, print "ready" or the error,
 * close the connection (s_server serves one at a time), stay SECONDS,
 * exit. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

int main(int argc, char **argv)
{
    struct sockaddr_in sa = { 0 };
    SSL_CTX *ctx;
    SSL *ssl;
    int fd;

    if (argc != 5) {
        fprintf(stderr, "usage: %s PORT CAFILE NAME SECONDS\n", argv[0]);
        return 2;
    }
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)atoi(argv[1]));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL || !SSL_CTX_load_verify_locations(ctx, argv[2], NULL))
        return 1;
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
        return 1;
    ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    SSL_set_tlsext_host_name(ssl, argv[3]);
    SSL_set1_host(ssl, argv[3]);
    if (SSL_connect(ssl) == 1)
        printf("ready\n");
    else
        printf("error %s\n", ERR_reason_error_string(ERR_peek_last_error()));
    fflush(stdout);
    SSL_shutdown(ssl);
    SSL_free(ssl);
    close(fd);
    sleep((unsigned)atoi(argv[4]));
    SSL_CTX_free(ctx);
    return 0;
}
