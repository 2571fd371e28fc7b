import { HomePage } from "../components/HomePage.tsx";

export default function Home() {
  return <HomePage configuredRelay={process.env.NEXT_PUBLIC_DEPTHROOM_RELAY} />;
}
