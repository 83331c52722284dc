package dev.gantry.router;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/** The socket layer: Linux epoll when its native library loads, else the JDK's NIO. */
enum Transport {
  EPOLL {
    @Override
    IoHandlerFactory ioHandlerFactory() {
      return EpollIoHandler.newFactory();
    }

    @Override
    Class<? extends ServerChannel> serverChannel() {
      return EpollServerSocketChannel.class;
    }

    @Override
    SocketChannel newSocketChannel() {
      return new EpollSocketChannel();
    }
  },
  NIO {
    @Override
    IoHandlerFactory ioHandlerFactory() {
      return NioIoHandler.newFactory();
    }

    @Override
    Class<? extends ServerChannel> serverChannel() {
      return NioServerSocketChannel.class;
    }

    @Override
    SocketChannel newSocketChannel() {
      return new NioSocketChannel();
    }
  };

  abstract IoHandlerFactory ioHandlerFactory();

  abstract Class<? extends ServerChannel> serverChannel();

  abstract SocketChannel newSocketChannel();

  static Transport select(boolean preferNative) {
    return preferNative && Epoll.isAvailable() ? EPOLL : NIO;
  }
}
