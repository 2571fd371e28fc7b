import type { Metadata, Viewport } from "next";
import type { ReactNode } from "react";
import "./globals.css";

export const metadata: Metadata = {
  title: "Depthroom",
  description: "Live depth cameras, viewed together",
};

export const viewport: Viewport = { width: "device-width", initialScale: 1, themeColor: "#111418" };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
