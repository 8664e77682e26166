# Multi-stage build: the browser apps, then a static binary embedding them,
# on a distroless, non-root base.
FROM node:20-bookworm AS web
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY client ./client
RUN npm run build

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
COPY --from=web /src/server/web/dist ./server/web/dist
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/earshot ./server \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/earshot /earshot
COPY --from=build --chown=nonroot:nonroot /out/data /data
USER nonroot:nonroot
ENV EARSHOT_HTTP_ADDR=0.0.0.0:8080 \
    EARSHOT_DATA_DIR=/data \
    EARSHOT_UDP_PORT=3478 \
    EARSHOT_DEMO=false
VOLUME /data
EXPOSE 8080/tcp 3478/udp 3478/tcp
ENTRYPOINT ["/earshot"]
