import { LinkRoute } from "../../../components/LinkRoute.tsx";

// The token is in the link's fragment, which never reaches the server: the page is all client side.
export default async function SessionPage({ params }: { params: Promise<{ session: string }> }) {
  const { session } = await params;
  return <LinkRoute kind="live" id={session} />;
}
